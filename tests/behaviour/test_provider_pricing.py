"""Prices per provider: the profile's shipped table, else the user's; an unknown price is stated, never guessed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai_batch.cli import main
from openai_batch.pricing import PriceTableError, estimate_file_cost, load_prices
from openai_batch.providers import get_profile


def chat_file(path: Path, model: str) -> Path:
    line = {
        "custom_id": "a",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 10},
    }
    path.write_text(json.dumps(line) + "\n")
    return path


def test_openai_keeps_its_shipped_table() -> None:
    assert load_prices(provider=get_profile("openai")) == load_prices()
    assert load_prices().get("gpt-4o-mini") is not None


@pytest.mark.parametrize("name", ["azure", "groq", "nebius"])
def test_a_service_without_shipped_prices_prices_nothing(name: str, tmp_path: Path) -> None:
    table = load_prices(provider=get_profile(name))
    assert table.get("gpt-4o-mini") is None  # the same name is not OpenAI's price on another service
    assert table.note is not None and get_profile(name).title in table.note
    estimate = estimate_file_cost(chat_file(tmp_path / "in.jsonl", "gpt-4o-mini"), table)
    assert estimate.unknown_models == ["gpt-4o-mini"] and estimate.total_high_usd is None


def test_a_users_file_holds_a_table_per_provider(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps(
            {
                "providers": {
                    "azure": {"as_of": "2025-09-01", "models": {"gpt-4o-batch": {"input": 1.0, "output": 4.0}}},
                    "openai": {"as_of": "2025-09-01", "models": {"gpt-4o": {"input": 1.25, "output": 5.0}}},
                }
            }
        )
    )
    azure = load_prices(path, provider=get_profile("azure"))
    assert azure.get("gpt-4o-batch") is not None and azure.get("gpt-4o") is None
    assert load_prices(path).get("gpt-4o") is not None
    with pytest.raises(PriceTableError, match=r"prices.json: no prices for provider 'groq' \(it has: azure, openai\)"):
        load_prices(path, provider=get_profile("groq"))


def test_estimate_on_the_command_line_states_the_unknown_price(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    src = chat_file(tmp_path / "in.jsonl", "gpt-4o-mini")
    main(["estimate", str(src), "--provider", "azure", "--json"])
    azure = json.loads(capsys.readouterr().out)
    main(["estimate", str(src), "--json"])
    openai = json.loads(capsys.readouterr().out)
    assert azure["unknown_models"] == ["gpt-4o-mini"]
    assert openai["unknown_models"] == []
