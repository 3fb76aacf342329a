"""The command line names the service: --provider (or AZURE_OPENAI_ENDPOINT), --provider-file, --api-version."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from openai_batch import BatchClient
from openai_batch.cli import _commands, main
from openai_batch.cli._parser import build_parser
from openai_batch.cli._provider import check_provider_arguments

ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "OPENAI_API_VERSION")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def client_for(argv: list[str]) -> object:
    args = build_parser().parse_args(argv)
    check_provider_arguments(args)
    return _commands.make_client(args)


def azure_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-key-0123456789")


def test_three_azure_variables_are_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    azure_env(monkeypatch)
    monkeypatch.setenv("OPENAI_API_VERSION", "2024-10-21")
    client = client_for(["list"])
    assert client.base_url == "https://res.openai.azure.com/openai"  # type: ignore[attr-defined]
    assert client.api_version == "2024-10-21"  # type: ignore[attr-defined]
    assert client.provider.name == "azure"  # type: ignore[attr-defined]


def test_azure_v1_and_an_explicit_api_version_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    azure_env(monkeypatch)
    v1 = client_for(["list"])
    assert v1.base_url == "https://res.openai.azure.com/openai/v1"  # type: ignore[attr-defined]
    legacy = client_for(["list", "--api-version", "2025-04-01-preview"])
    assert legacy.api_version == "2025-04-01-preview"  # type: ignore[attr-defined]


def test_provider_openai_wins_over_the_azure_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    azure_env(monkeypatch)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789")
    client = client_for(["--provider", "openai", "list"])
    assert client.base_url == "https://api.openai.com/v1"  # type: ignore[attr-defined]


def test_a_provider_file_adds_a_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        '[gw]\nendpoint = "https://gw.example.com"\nkey_env = ["GW_KEY"]\n[gw.path_styles.v1]\nbase_path = "/v1"\n'
    )
    monkeypatch.setenv("GW_KEY", "gw-key-0123456789")
    client = client_for(["list", "--provider", "gw", "--provider-file", str(path)])
    assert client.base_url == "https://gw.example.com/v1"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--provider", "nope", "list"], "argument --provider: unknown provider 'nope'"),
        (["submit", "x.jsonl", "--completion-window", "48h"], "the Batch API offers only 24h on OpenAI, got '48h'"),
        (["submit", "x.jsonl", "--completion-window", "2 days"], "wants a window such as 24h or 7d"),
        (
            ["list", "--provider-file", "/nonexistent/p.toml"],
            "argument --provider-file: /nonexistent/p.toml: cannot read",
        ),
    ],
)
def test_bad_provider_arguments_exit_2_in_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_groq_takes_a_longer_window(monkeypatch: pytest.MonkeyPatch) -> None:
    args = build_parser().parse_args(["--provider", "groq", "submit", "x.jsonl", "--completion-window", "7d"])
    check_provider_arguments(args)
    assert args.completion_window == "7d" and args.provider_profile.name == "groq"


def test_validate_applies_the_providers_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    lines = [
        {"custom_id": str(i), "method": "POST", "url": "/v1/chat/completions", "body": {"model": m, "messages": []}}
        for i, m in enumerate(["dep-a", "dep-b"])
    ]
    src.write_bytes(b"\xef\xbb\xbf" + "".join(json.dumps(line) + "\n" for line in lines).encode())
    code = main(["validate", str(src), "--provider", "azure", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code != 0
    assert [(p["line"], p["code"]) for p in report["problems"]] == [(1, "utf8_bom"), (2, "model_mismatch")]


def test_a_missing_azure_key_names_its_variable_and_entra_sign_in(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com")
    code = main(["list"])
    err = capsys.readouterr().err
    assert code == 2
    assert "set the AZURE_OPENAI_API_KEY environment variable (or sign in with Microsoft Entra ID: --azure-ad)" in err
    assert "api_key=" not in err


def test_a_missing_groq_key_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    assert main(["--provider", "groq", "list"]) == 2
    err = capsys.readouterr().err
    assert "set the GROQ_API_KEY environment variable" in err and "--azure-ad" not in err


def test_status_of_a_blob_storage_batch_reports_its_locations(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = json.loads((Path(__file__).parents[1] / "fixtures" / "azure" / "quirky-answers.json").read_text())
    blob = body["batches"][1]

    def make_client(args: object) -> BatchClient:
        transport = httpx.MockTransport(lambda request: httpx.Response(200, json=blob))
        return BatchClient(
            "azure-key-0123456789", provider="azure", endpoint="https://r.openai.azure.com", transport=transport
        )

    monkeypatch.setattr(_commands, "make_client", make_client)
    assert main(["status", "batch_blob", "--state", str(tmp_path / "s.sqlite")]) == 0
    shown = capsys.readouterr().out
    for url in (blob["input_blob"], blob["output_folder"]["url"], blob["output_blob"], blob["error_blob"]):
        assert url in shown
    assert "in_progress" in shown  # normalised from InProgress
