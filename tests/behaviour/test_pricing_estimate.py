"""Cost estimates before sending: the shipped price table, a file's per-model estimate, `openai-batch estimate`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openai_batch import _tokens
from openai_batch._tokens import TokenCounter
from openai_batch.cli import main
from openai_batch.pricing import (
    ModelPrice,
    PriceTable,
    PriceTableError,
    estimate_file_cost,
    load_prices,
    output_bound,
)

CHAT = "/v1/chat/completions"

# Round prices so the expected figures below can be checked by hand.
PRICES = PriceTable(
    as_of="2030-01-01",
    models={
        "gpt-4o-mini": ModelPrice(input=1.0, cached_input=0.5, output=10.0),
        "text-embedding-3-small": ModelPrice(input=2.0, output=0.0),
        "gpt-4.1": ModelPrice(input=4.0, output=16.0),
    },
)


@pytest.fixture(autouse=True)
def rule_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An empty private tiktoken cache: every count below is the documented rule's, on any machine."""
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken-cache"))
    monkeypatch.setattr(_tokens, "_LOADED", {})


def _line(custom_id: str, url: str, body: dict[str, Any]) -> str:
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": url, "body": body})


def _chat(custom_id: str, **extra: Any) -> str:
    # By the rule: 3 (request) + 3 (message) + "user" 1 + "123456789" 3 (digit runs of 3) = 10 tokens.
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "123456789"}], **extra}
    return _line(custom_id, CHAT, body)


@pytest.fixture
def known_file(tmp_path: Path) -> Path:
    lines = [
        *(_chat(f"c-{i}", max_tokens=100) for i in range(4)),
        _chat("c-n", max_completion_tokens=20, n=3),
        # "123456" 2 + "789" 1 = 3 tokens; embeddings produce no output tokens.
        _line("e-1", "/v1/embeddings", {"model": "text-embedding-3-small", "input": ["123456", "789"]}),
        # A string input is one user message: 3 (request) + 3 (message) + "123" 1 = 7 tokens each;
        # without max_output_tokens, output is unbounded.
        _line("r-1", "/v1/responses", {"model": "gpt-4.1", "input": "123"}),
        _line("r-2", "/v1/responses", {"model": "gpt-4.1", "input": "123", "max_output_tokens": 50}),
        _line("f-1", CHAT, {"model": "ft:gpt-4o-mini:acme::abc", "messages": [], "max_tokens": 5}),
        "not a request",
        "",
    ]
    path = tmp_path / "requests.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_known_file_matches_the_hand_count(known_file: Path) -> None:
    estimate = estimate_file_cost(known_file, PRICES)
    rows = {row.model: row for row in estimate.models}
    assert list(rows) == ["ft:gpt-4o-mini:acme::abc", "gpt-4.1", "gpt-4o-mini", "text-embedding-3-small"]
    mini = rows["gpt-4o-mini"]
    assert (mini.requests, mini.input_tokens, mini.max_output_tokens, mini.unbounded_requests) == (5, 50, 460, 0)
    assert mini.low_usd == pytest.approx(50 * 1.0 / 1e6)
    assert mini.high_usd == pytest.approx((50 * 1.0 + 460 * 10.0) / 1e6)
    embeddings = rows["text-embedding-3-small"]
    assert (embeddings.requests, embeddings.input_tokens, embeddings.max_output_tokens) == (1, 3, 0)
    assert embeddings.low_usd == embeddings.high_usd == pytest.approx(3 * 2.0 / 1e6)
    responses = rows["gpt-4.1"]
    assert (responses.requests, responses.input_tokens, responses.unbounded_requests) == (2, 14, 1)
    assert responses.low_usd == pytest.approx(14 * 4.0 / 1e6)
    assert responses.high_usd is None  # one request sets no bound
    assert estimate.invalid_lines == 1
    assert estimate.requests == 9


def test_the_input_tokens_are_the_queue_estimators(known_file: Path) -> None:
    counter = TokenCounter()
    for raw in known_file.read_text(encoding="utf-8").splitlines():
        try:
            request = json.loads(raw)
        except ValueError:
            continue
        counter.add(request["url"], request["body"])
    estimate = estimate_file_cost(known_file, PRICES)
    assert {row.model: row.input_tokens for row in estimate.models} == counter.totals()


def test_an_unknown_model_is_named_not_priced(known_file: Path) -> None:
    estimate = estimate_file_cost(known_file, PRICES)
    unknown = next(row for row in estimate.models if row.model == "ft:gpt-4o-mini:acme::abc")
    assert not unknown.known
    assert unknown.low_usd is None and unknown.high_usd is None
    assert estimate.unknown_models == ["ft:gpt-4o-mini:acme::abc"]
    assert estimate.total_low_usd is None and estimate.total_high_usd is None


def test_totals_add_the_models_when_all_are_priced_and_bounded(tmp_path: Path) -> None:
    path = tmp_path / "small.jsonl"
    path.write_text(_chat("a", max_tokens=7) + "\n" + _chat("b", max_tokens=3) + "\n", encoding="utf-8")
    estimate = estimate_file_cost(path, PRICES)
    assert estimate.total_low_usd == pytest.approx(20 * 1.0 / 1e6)
    assert estimate.total_high_usd == pytest.approx((20 * 1.0 + 10 * 10.0) / 1e6)


def test_a_dated_snapshot_is_not_priced_as_its_alias(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.jsonl"
    body = {"model": "gpt-4o-2024-05-13", "messages": [], "max_tokens": 1}
    path.write_text(_line("a", CHAT, body) + "\n", encoding="utf-8")
    table = PriceTable(as_of="2030-01-01", models={"gpt-4o": ModelPrice(input=1.0, output=1.0)})
    assert estimate_file_cost(path, table).unknown_models == ["gpt-4o-2024-05-13"]


@pytest.mark.parametrize(
    ("endpoint", "body", "bound"),
    [
        (CHAT, {"max_tokens": 100}, 100),
        (CHAT, {"max_completion_tokens": 40}, 40),
        (CHAT, {"max_tokens": 30, "max_completion_tokens": 40}, 40),  # the larger, whichever is honoured
        (CHAT, {"max_completion_tokens": 40, "n": 3}, 120),
        (CHAT, {}, None),
        (CHAT, {"max_tokens": True}, None),  # not a count
        (CHAT, {"max_tokens": 0}, None),
        ("/v1/responses", {"max_output_tokens": 64}, 64),
        ("/v1/responses", {"max_tokens": 64}, None),  # not a Responses parameter
        ("/v1/completions", {}, 16),  # the API's default
        ("/v1/completions", {"max_tokens": 10, "n": 2, "best_of": 5}, 50),
        ("/v1/completions", {"max_tokens": None}, None),
        ("/v1/embeddings", {}, 0),
        ("/v1/moderations", {}, 0),
        ("/v1/unknown", {"max_tokens": 5}, None),
    ],
)
def test_output_bounds_per_endpoint(endpoint: str, body: dict[str, Any], bound: int | None) -> None:
    assert output_bound(endpoint, body) == bound


def test_a_moderation_without_a_model_is_filed_under_the_default_one(tmp_path: Path) -> None:
    path = tmp_path / "moderations.jsonl"
    path.write_text(_line("m", "/v1/moderations", {"input": "123"}) + "\n", encoding="utf-8")
    (row,) = estimate_file_cost(path).models
    assert row.model == "omni-moderation-latest"
    assert row.input_tokens > 0 and row.known and row.high_usd == 0.0


# --- the price table ------------------------------------------------------------------------


def test_the_shipped_table_is_dated_at_batch_rates_and_lists_the_well_known_models() -> None:
    table = load_prices()
    assert table.as_of and "verify" in (table.note or "")
    for model in (
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4.1",
        "gpt-4.1-mini",
        "gpt-4.1-nano",
        "o3",
        "o4-mini",
        "text-embedding-3-small",
        "text-embedding-3-large",
    ):
        price = table.get(model)
        assert price is not None, model
        assert price.input > 0, model
        assert price.cached_input is None or price.cached_input <= price.input, model
    # Batch rates: half gpt-4o-mini's listed standard prices (0.15 / 0.60 per 1M tokens).
    assert table.get("gpt-4o-mini") == ModelPrice(input=0.075, cached_input=0.0375, output=0.3)


def test_a_users_table_replaces_the_shipped_one(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"as_of": "2031-02-03", "models": {"mine": {"input": 2, "output": 3}}}))
    table = load_prices(path)
    assert table.as_of == "2031-02-03"
    assert table.get("mine") == ModelPrice(input=2.0, output=3.0, cached_input=None)
    assert table.get("gpt-4o") is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[]", "expected a JSON object"),
        ("{", "not JSON"),
        ('{"models": {"m": {"input": 1, "output": 1}}}', "'as_of'"),
        ('{"as_of": "x", "models": {}}', "'models'"),
        ('{"as_of": "x", "models": {"m": 1}}', "models.m must be an object"),
        ('{"as_of": "x", "models": {"m": {"input": -1, "output": 1}}}', "models.m: input must be a number >= 0"),
        ('{"as_of": "x", "models": {"m": {"input": 1}}}', "models.m: output must be a number"),
        ('{"as_of": "x", "models": {"m": {"input": true, "output": 1}}}', "input must be a number"),
        ('{"as_of": "x", "models": {"m": {"input": 1, "output": 1, "cached_input": "a"}}}', "cached_input"),
    ],
)
def test_a_bad_price_file_names_the_file_and_the_entry(tmp_path: Path, document: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(document)
    with pytest.raises(PriceTableError) as caught:
        load_prices(path)
    assert message in str(caught.value) and str(path) in str(caught.value)


def test_cached_tokens_are_billed_at_the_cached_rate() -> None:
    price = ModelPrice(input=2.0, cached_input=0.5, output=8.0)
    assert price.cost(input_tokens=1_000_000, cached_tokens=400_000, output_tokens=500_000) == pytest.approx(
        0.6 * 2.0 + 0.4 * 0.5 + 0.5 * 8.0
    )


# --- the command line -----------------------------------------------------------------------


def _write_prices(tmp_path: Path) -> Path:
    path = tmp_path / "prices.json"
    models = {name: attrs_dict(price) for name, price in PRICES.models.items()}
    path.write_text(json.dumps({"as_of": PRICES.as_of, "source": "test table", "models": models}))
    return path


def attrs_dict(price: ModelPrice) -> dict[str, float | None]:
    return {"input": price.input, "cached_input": price.cached_input, "output": price.output}


def test_cli_json_gives_the_same_figures(known_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", str(known_file), "--prices", str(_write_prices(tmp_path)), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["prices"]["as_of"] == "2030-01-01"
    assert document["unknown_models"] == ["ft:gpt-4o-mini:acme::abc"]
    assert document["invalid_lines"] == 1
    mini = next(row for row in document["models"] if row["model"] == "gpt-4o-mini")
    assert (mini["requests"], mini["input_tokens"], mini["max_output_tokens"]) == (5, 50, 460)
    assert mini["high_usd"] == pytest.approx((50 + 4600) / 1e6)
    gpt41 = next(row for row in document["models"] if row["model"] == "gpt-4.1")
    assert gpt41["max_output_tokens"] is None and gpt41["high_usd"] is None and gpt41["unbounded_requests"] == 1


def test_cli_table_says_unknown_and_unbounded(
    known_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["estimate", str(known_file), "--prices", str(_write_prices(tmp_path))]) == 0
    text = capsys.readouterr().out
    lines = {line.split()[0]: line for line in text.splitlines() if line}
    assert "unknown model" in lines["ft:gpt-4o-mini:acme::abc"]
    assert "unbounded (1 req.)" in lines["gpt-4.1"]
    assert "$0.004650" in lines["gpt-4o-mini"]  # (50 * 1 + 460 * 10) / 1e6
    assert "total: not known" in text
    assert "as of 2030-01-01" in text


def test_cli_with_the_shipped_table_names_its_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(_chat("a", max_tokens=10) + "\n", encoding="utf-8")
    assert main(["estimate", str(path)]) == 0
    text = capsys.readouterr().out
    assert f"as of {load_prices().as_of}, verify" in text
    assert "total: $0.000001 to $0.000004" in text  # (10 * 0.075) and (10 * 0.075 + 10 * 0.3) per 1M


def test_cli_bad_price_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    requests = tmp_path / "r.jsonl"
    requests.write_text(_chat("a") + "\n")
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["estimate", str(requests), "--prices", str(bad)]) == 2
    assert "--prices" in capsys.readouterr().err


def test_cli_missing_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", str(tmp_path / "missing.jsonl"), "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["kind"] == "usage"
