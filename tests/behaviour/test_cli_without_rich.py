"""Without the `cli` extra (no rich), the command line says what to install instead of crashing."""

from __future__ import annotations

import importlib.util

import pytest
from openai_batch.cli import main


def test_human_output_without_rich_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "rich" else real_find_spec(name, *a)
    )
    assert main(["jobs"]) == 2
    assert "openai-batch-client[cli]" in capsys.readouterr().err
