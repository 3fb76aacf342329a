"""The enqueued-token estimate: tiktoken with an encoding of the test's own, the cache rules that
keep it from downloading, the request walkers, file totals, and the conservative rule's bound."""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import tiktoken
import tiktoken.load
from openai_batch import _tokens
from openai_batch._tokens import (
    CL100K,
    DEFAULT_IMAGE_TOKENS,
    LOW_DETAIL_IMAGE_TOKENS,
    O200K,
    TokenEstimator,
    encoding_for_model,
    estimate_file_tokens,
    rule_tokens,
)

REFERENCE = Path(__file__).resolve().parent.parent / "fixtures" / "token_reference.json"
# The bound stated in openai_batch._tokens: no sample under 0.81x its real tokens.
STATED_MARGIN = 0.8


def tiny_encoding(name: str = "tiny") -> tiktoken.Encoding:
    """Every byte is a token, plus merges he, ll, hell, hello: "hello" is 1 token, " hello" 2."""
    ranks = {bytes([i]): i for i in range(256)}
    for word in (b"he", b"ll", b"hell", b"hello"):
        ranks[word] = len(ranks)
    return tiktoken.Encoding(
        name, pat_str=r"""\s?\w+|\s?[^\w\s]+|\s+""", mergeable_ranks=ranks, special_tokens={"<|end|>": 300}
    )


@pytest.fixture
def tiny() -> TokenEstimator:
    encoding = tiny_encoding()
    return TokenEstimator(encoders={O200K: encoding, CL100K: encoding}, use_tiktoken=False)


@pytest.fixture(autouse=True)
def no_downloads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Any fetch by tiktoken fails the test; every test starts with an empty private cache."""

    def refuse(blobpath: str) -> bytes:
        raise AssertionError(f"tiktoken tried to fetch {blobpath}")

    monkeypatch.setattr(tiktoken.load, "read_file", refuse)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken-cache"))
    monkeypatch.setattr(_tokens, "_LOADED", {})


def chat(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": list(messages), **extra}


# Encodings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o-mini", O200K),
        ("gpt-4o-2024-08-06", O200K),
        ("gpt-4.1-nano", O200K),
        ("gpt-5", O200K),
        ("o3-mini", O200K),
        ("omni-moderation-latest", O200K),
        ("ft:gpt-4o-mini-2024-07-18:acme::abc123", O200K),
        ("gpt-4-turbo", CL100K),
        ("gpt-4", CL100K),
        ("gpt-3.5-turbo-0125", CL100K),
        ("text-embedding-3-small", CL100K),
        ("text-embedding-ada-002", CL100K),
        ("ft:gpt-3.5-turbo:acme::x", CL100K),
        ("some-future-model", O200K),
        (None, O200K),
    ],
)
def test_models_map_to_their_encoding(model: str | None, encoding: str) -> None:
    assert encoding_for_model(model) == encoding


def test_a_given_encoding_counts_exactly(tiny: TokenEstimator) -> None:
    assert tiny.method("gpt-4o") == "tiktoken"
    assert tiny.text_tokens("hello", "gpt-4o") == 1
    assert tiny.text_tokens("hello hello", "gpt-4o") == 3
    # Special-token text in a prompt is ordinary text, never a special token.
    assert tiny.text_tokens("<|end|>", "gpt-4o") == len(b"<|end|>")


def test_without_an_encoding_the_rule_counts(tiny: TokenEstimator) -> None:
    estimator = TokenEstimator(encoders={O200K: tiny_encoding()}, use_tiktoken=False)
    assert estimator.method("gpt-4") == "rule"
    assert estimator.text_tokens("hello there, world", "gpt-4") == rule_tokens("hello there, world", CL100K)


def test_nothing_cached_means_the_rule_and_no_download() -> None:
    estimator = TokenEstimator()
    assert _tokens.cached_encoding(O200K) is None
    assert estimator.method("gpt-4o-mini") == "rule"
    assert estimator.text_tokens("hello", "gpt-4o-mini") == rule_tokens("hello")


def test_caching_turned_off_means_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    assert _tokens.cached_encoding(O200K) is None


def _cache_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: bytes, expected: bytes) -> None:
    """Put `content` where tiktoken's cache keeps o200k_base, which is expected to hash like `expected`."""
    key = "0" * 40
    monkeypatch.setitem(_tokens._CACHED_FILES, O200K, (key, hashlib.sha256(expected).hexdigest()))
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir(exist_ok=True)
    (cache / key).write_bytes(content)


def test_a_corrupt_cached_file_is_not_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _cache_file(monkeypatch, tmp_path, b"truncated", expected=b"the real file")
    monkeypatch.setattr(tiktoken, "get_encoding", lambda name: pytest.fail("tiktoken was asked for a corrupt file"))
    assert _tokens.cached_encoding(O200K) is None


def test_a_verified_cached_file_is_loaded_through_tiktoken(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _cache_file(monkeypatch, tmp_path, b"the real file", expected=b"the real file")
    encoding = tiny_encoding(O200K)
    asked: list[str] = []
    monkeypatch.setattr(tiktoken, "get_encoding", lambda name: asked.append(name) or encoding)
    estimator = TokenEstimator()
    assert estimator.method("gpt-4o") == "tiktoken"
    assert estimator.text_tokens("hello hello", "gpt-4o") == 3
    assert estimator.method("gpt-4") == "rule", "cl100k_base is not cached"
    assert asked == [O200K], "loaded once, then remembered"


def test_without_tiktoken_installed_the_rule_counts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _cache_file(monkeypatch, tmp_path, b"the real file", expected=b"the real file")
    monkeypatch.setitem(sys.modules, "tiktoken", None)
    assert _tokens.cached_encoding(O200K) is None
    assert TokenEstimator().method("gpt-4o") == "rule"


# Request bodies, counted with the tiny encoding so that every figure is exact -----------------------


def test_chat_counts_framing_roles_names_and_content(tiny: TokenEstimator) -> None:
    body = chat({"role": "user", "content": "hello"})
    # 3 per request + 3 per message + "user" (4 bytes, no merges) + "hello" (1).
    assert tiny.body_tokens("/v1/chat/completions", body) == 3 + 3 + 4 + 1
    named = chat({"role": "user", "name": "hello", "content": "hello"})
    assert tiny.body_tokens("/v1/chat/completions", named) == 3 + 3 + 4 + 1 + 1 + 1


def test_chat_images_count_a_fixed_figure(tiny: TokenEstimator) -> None:
    parts = [
        {"type": "text", "text": "hello"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 5000}},
        {"type": "image_url", "image_url": {"url": "https://example.com/x.png", "detail": "low"}},
    ]
    body = chat({"role": "user", "content": parts})
    assert (
        tiny.body_tokens("/v1/chat/completions", body) == 3 + 3 + 4 + 1 + DEFAULT_IMAGE_TOKENS + LOW_DETAIL_IMAGE_TOKENS
    )
    custom = TokenEstimator(encoders={O200K: tiny_encoding()}, use_tiktoken=False, image_tokens=100)
    assert custom.body_tokens("/v1/chat/completions", body) == 3 + 3 + 4 + 1 + 100 + LOW_DETAIL_IMAGE_TOKENS


def test_chat_tools_and_schemas_count_as_their_json(tiny: TokenEstimator) -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    plain = tiny.body_tokens("/v1/chat/completions", chat({"role": "user", "content": "hello"}))
    with_tools = tiny.body_tokens("/v1/chat/completions", chat({"role": "user", "content": "hello"}, tools=tools))
    tools_json = json.dumps(tools, separators=(",", ":"))
    assert with_tools - plain == tiny.text_tokens(tools_json, "gpt-4o-mini")
    assert with_tools - plain > 10


def test_responses_count_instructions_inputs_and_items(tiny: TokenEstimator) -> None:
    text = {"model": "gpt-4.1-mini", "input": "hello"}
    assert tiny.body_tokens("/v1/responses", text) == 3 + 3 + 1
    full = {
        "model": "gpt-4.1-mini",
        "instructions": "hello",
        "input": [
            {
                "role": "user",
                "content": [{"type": "input_text", "text": "hello"}, {"type": "input_image", "image_url": "x"}],
            },
            {"type": "function_call_output", "call_id": "c", "output": "hello"},
        ],
    }
    item_json = json.dumps(full["input"][1], separators=(",", ":"))
    expected = 3 + (3 + 1) + (3 + 4 + 1 + DEFAULT_IMAGE_TOKENS) + (3 + tiny.text_tokens(item_json, "gpt-4.1-mini"))
    assert tiny.body_tokens("/v1/responses", full) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [("hello", 1), (["hello", "hello hello"], 4), ([1, 2, 3, 4], 4), ([[1, 2], [3]], 3)],
)
def test_embeddings_count_texts_and_token_arrays(tiny: TokenEstimator, given: Any, expected: int) -> None:
    body = {"model": "text-embedding-3-small", "input": given}
    assert tiny.body_tokens("/v1/embeddings", body) == expected


def test_completions_and_moderations(tiny: TokenEstimator) -> None:
    assert tiny.body_tokens("/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": ["hello", "hello"]}) == 2
    assert tiny.body_tokens("/v1/completions", {"model": "davinci-002", "prompt": "hello", "suffix": "hello"}) == 2
    assert tiny.body_tokens("/v1/moderations", {"input": "hello"}) == 1
    parts = [{"type": "text", "text": "hello"}, {"type": "image_url", "image_url": {"url": "x"}}]
    assert tiny.body_tokens("/v1/moderations", {"input": parts}) == 1 + DEFAULT_IMAGE_TOKENS


def test_a_request_line_uses_its_url(tiny: TokenEstimator) -> None:
    request = {"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {"model": "m", "input": [1, 2]}}
    assert tiny.request_tokens(request) == 2
    assert tiny.request_tokens({"custom_id": "b"}) == 0


# Whole files ----------------------------------------------------------------------------------------


def _line(custom_id: str, model: str, text: str) -> bytes:
    body = {"model": model, "messages": [{"role": "user", "content": text}]}
    return (
        json.dumps({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}).encode()
        + b"\n"
    )


def test_a_file_is_totalled_per_model_and_byte_ranges_add_up(tiny: TokenEstimator, tmp_path: Path) -> None:
    lines = [
        _line("a", "gpt-4o-mini", "hello"),
        _line("b", "gpt-4.1", "hello hello"),
        b"\n",
        _line("c", "gpt-4o-mini", "x"),
    ]
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"".join(lines))
    totals = estimate_file_tokens(path, estimator=tiny)
    per_line = [tiny.request_tokens(json.loads(line)) for line in lines if line.strip()]
    assert totals.by_model == {"gpt-4o-mini": per_line[0] + per_line[2], "gpt-4.1": per_line[1]}
    assert (totals.requests, totals.invalid, totals.total) == (3, 0, sum(per_line))

    cut = len(lines[0]) + len(lines[1])
    head = estimate_file_tokens(path, end=cut, estimator=tiny)
    tail = estimate_file_tokens(io.BytesIO(path.read_bytes()), start=cut, estimator=tiny)
    assert (head.requests, tail.requests) == (2, 1)
    assert head.total + tail.total == totals.total


def test_unparsable_lines_are_counted_not_skipped(tiny: TokenEstimator) -> None:
    totals = estimate_file_tokens(io.BytesIO(b"not json at all\n[1, 2]\n"), estimator=tiny)
    assert totals.invalid == 2 and totals.requests == 0
    assert totals.by_model[None] == rule_tokens("not json at all\n", CL100K) + rule_tokens("[1, 2]\n", CL100K)


# The conservative rule ------------------------------------------------------------------------------


def test_the_rule_counts_what_the_encodings_cannot_merge() -> None:
    assert rule_tokens("") == 0
    assert rule_tokens("a") == 1
    # Digits go in groups of at most three, and a space before a number is a token of its own.
    assert rule_tokens("1234567") == 3
    assert rule_tokens("1 2") == 3
    # Letter runs count one per four letters; punctuation one per two marks.
    assert rule_tokens("abcdefgh") == 2
    assert rule_tokens("a,b") == 3
    # An indented line: the newline and its indentation are one token.
    assert rule_tokens("a\n        b") == 3
    assert rule_tokens("a        b") == 3


def _reference_rule(text: str) -> int:
    """The rule for ASCII letters, digits, marks, spaces and newlines, written out the obvious way."""
    chunks = 0
    for run in re.findall(r"[A-Za-z]+|[0-9]+|[^A-Za-z0-9 \n]+", text):
        size = 4 if run[0].isalpha() else 3 if run[0].isdigit() else 2
        chunks += -(-len(run) // size)
    newline_runs = len(re.findall(r"\n+", text))
    # Two or more spaces are a token, except indentation right after newlines (counted with them).
    space_runs = len(re.findall(r"  +", text)) - len(re.findall(r"\n  ", text))
    before_digit = len(re.findall(r" [0-9]", text))
    return max(chunks + newline_runs + space_runs + before_digit, 1)


def test_the_rule_matches_a_run_by_run_count_on_random_ascii() -> None:
    """The byte-level counting (one marker per chunk, counted remainders) against the obvious count."""
    rng = random.Random(7)
    alphabet = "aZ0 9.,\n  -x0123."  # digits often enough for runs of four and more
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))
        assert rule_tokens(text) == _reference_rule(text), repr(text)


def test_the_rule_charges_more_for_scripts_cl100k_base_splits_finely() -> None:
    for text in ("Привет, мир", "你好，世界", "zażółć gęślą jaźń", "😀😀😀"):  # noqa: RUF001
        assert (
            rule_tokens(text, CL100K)
            >= rule_tokens(text, O200K)
            > rule_tokens(text.encode("ascii", "ignore").decode() or "x")
        )


def test_the_rule_stays_within_its_stated_margin_of_real_tokens() -> None:
    """Real cl100k_base / o200k_base counts recorded by bench/token_margin.py --write-fixture."""
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    categories = {row["category"] for row in reference["categories"]}
    assert {"english", "code", "json", "numbers", "chinese", "russian"} <= categories
    for row in reference["categories"]:
        for encoding in reference["encodings"]:
            estimated = [rule_tokens(sample["text"], encoding) for sample in row["samples"]]
            real = [sample[encoding] for sample in row["samples"]]
            for guess, actual, sample in zip(estimated, real, row["samples"], strict=True):
                assert guess >= STATED_MARGIN * actual, (row["category"], encoding, sample["text"][:60])
            # What a shard adds up is never under the real total.
            assert sum(estimated) >= sum(real), (row["category"], encoding)


def test_the_counter_sums_exactly_what_each_request_would_count_alone() -> None:
    from openai_batch._tokens import TEXT_SEPARATOR, TokenCounter

    estimator = TokenEstimator(use_tiktoken=False)
    texts = ["hello  world\n\n  x", "  ", " ", "\t", "Ünïcödé 漢字 😀", "123 456", "a.b,c", "\n", "end.", "", "x" * 9]
    bodies: list[tuple[str, dict[str, object]]] = []
    for text in texts:
        bodies.append(("/v1/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}))
        bodies.append(
            ("/v1/chat/completions", {"model": "gpt-4", "messages": [{"role": "system", "content": text, "name": "n"}]})
        )
        bodies.append(("/v1/embeddings", {"model": "text-embedding-3-small", "input": [text, text]}))
        bodies.append(("/v1/responses", {"model": "gpt-4o", "input": text, "instructions": "be brief"}))
        bodies.append(
            (
                "/v1/chat/completions",
                {"model": "gpt-4o", "messages": [{"role": "user", "content": text}], "tools": [{"type": "function"}]},
            )
        )
    expected: dict[str | None, int] = {}
    counter = TokenCounter(estimator)
    for endpoint, body in bodies:
        model = body["model"]
        assert isinstance(model, str)
        expected[model] = expected.get(model, 0) + estimator.body_tokens(endpoint, body)
        counter.add(endpoint, body)
    assert counter.totals() == expected
    # The separator splits runs and counts nothing of its own.
    assert rule_tokens(TEXT_SEPARATOR.join(["abcd", "efgh"])) == rule_tokens("abcd") + rule_tokens("efgh")


def test_a_block_of_lone_spaces_counts_what_each_counts_alone() -> None:
    # A lone space or tab counts 1 alone and nothing joined: a block holding nothing else must
    # not be raised to the rule's minimum of 1 on top (it was, one token too many per block).
    from openai_batch._tokens import TokenCounter

    estimator = TokenEstimator(use_tiktoken=False)
    for endpoint, body in (
        ("/v1/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": " "}]}),
        ("/v1/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": "\t"}] * 3}),
        ("/v1/responses", {"model": "gpt-4o", "instructions": "\t", "input": "Ünï"}),  # the non-ASCII path
    ):
        counter = TokenCounter(estimator)
        counter.add(endpoint, body)
        assert counter.totals() == {"gpt-4o": estimator.body_tokens(endpoint, body)}, body


def test_many_requests_at_once_count_what_they_count_one_by_one() -> None:
    from openai_batch._tokens import TokenCounter

    estimator = TokenEstimator(use_tiktoken=False)
    bodies: list[dict[str, object]] = [
        {
            "model": "gpt-4o",
            "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": f"q{i}"}],
        }
        for i in range(50)
    ]
    bodies += [
        {"model": "gpt-4o", "messages": [{"role": "user", "content": "x", "name": "n"}]},  # not the inline shape
        {"model": "gpt-4", "messages": [{"role": "critic", "content": "y"}]},  # a role without a known count
        {"model": "gpt-4o", "messages": [{"role": "user", "content": [{"type": "text", "text": "z"}]}]},
        {"model": "gpt-4o", "messages": [{"role": "user", "content": "w"}], "tools": [{"type": "function"}]},
    ]
    one_by_one, at_once = TokenCounter(estimator), TokenCounter(estimator)
    for body in bodies:
        one_by_one.add("/v1/chat/completions", body)
    at_once.add_all("/v1/chat/completions", bodies)
    assert at_once.totals() == one_by_one.totals() == _expected_totals(estimator, bodies)


def _opening_bodies(shared: str, other: str) -> list[dict[str, object]]:
    """Requests opening with ``shared``, then ``other``, then ``shared`` again, under two encodings."""
    bodies: list[dict[str, object]] = []
    for i in range(300):
        system = shared if i < 120 or i >= 200 else other
        model = "gpt-4" if i < 60 else "gpt-4o"  # cl100k_base, then o200k_base
        messages = [{"role": "system", "content": system}, {"role": "user", "content": f"ticket {i}: refund"}]
        bodies.append({"model": model, "messages": messages})
    # Opening with the shared text after an empty one.
    bodies.append(
        {"model": "gpt-4o", "messages": [{"role": "system", "content": ""}, {"role": "user", "content": shared}]}
    )
    return bodies


def _expected_totals(estimator: TokenEstimator, bodies: list[dict[str, object]]) -> dict[str | None, int]:
    expected: dict[str | None, int] = {}
    for body in bodies:
        model = str(body["model"])
        expected[model] = expected.get(model, 0) + estimator.body_tokens("/v1/chat/completions", body)
    return expected


def test_a_text_that_opens_request_after_request_is_counted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from openai_batch import _tokens
    from openai_batch._tokens import TokenCounter

    estimator = TokenEstimator(use_tiktoken=False)
    # Non-ASCII weights differ per encoding, so a count is reused only under the same one.
    for shared, other in (
        ("Ты классифицируешь письма.", "Вы резюмируете заявки."),
        ("You classify mail.", "Be brief."),
    ):
        bodies = _opening_bodies(shared, other)
        counter = TokenCounter(estimator)
        for body in bodies:
            counter.add("/v1/chat/completions", body)
        assert counter.totals() == _expected_totals(estimator, bodies)
    alone: list[str] = []
    real_rule = _tokens.rule_tokens

    def counting_rule(text: str, encoding: str = _tokens.O200K) -> int:
        alone.append(text)
        return real_rule(text, encoding)

    monkeypatch.setattr(_tokens, "rule_tokens", counting_rule)
    counter = TokenCounter(estimator)
    for body in _opening_bodies("You classify mail.", "Be brief."):
        counter.add("/v1/chat/completions", body)
    counter.totals()
    # Counted alone once per run of requests opening with it under one encoding (gpt-4's run,
    # gpt-4o's before and after the other prompt; the last request reuses the count).
    assert alone.count("You classify mail.") == 3
    assert alone.count("Be brief.") == 1


def test_the_counter_holds_a_bounded_amount_of_text_whatever_the_line_count() -> None:
    # Memory follows bytes, not lines: 8,000 texts of 100 KB each would be 800 MB held at once.
    from openai_batch._tokens import TokenCounter

    estimator = TokenEstimator(use_tiktoken=False)
    counter = TokenCounter(estimator)
    long_text = "lorem ipsum dolor sit amet " * 4_000  # 108 KB
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": long_text}]}
    held = []
    for _ in range(40):
        counter.add("/v1/chat/completions", body)
        held.append(counter.held_chars)
    assert max(held) <= TokenCounter.BLOCK_CHARS
    assert any(held)  # it still gathers texts into blocks, a bounded number of characters each
    assert counter.totals() == {"gpt-4o": 40 * estimator.body_tokens("/v1/chat/completions", body)}
    assert counter.held_chars == 0
