"""Without the `cli` extra (no rich) the command line still works: tables are plain text, and a
wait reports progress as plain lines instead of a bar."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from openai_batch.cli import main


def test_tables_need_no_rich(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "rich" else real_find_spec(name, *a)
    )
    monkeypatch.setitem(sys.modules, "rich", None)  # any `import rich` now fails
    assert main(["jobs", "--state", str(tmp_path / "jobs.sqlite")]) == 0
    assert "no jobs yet" in capsys.readouterr().out
