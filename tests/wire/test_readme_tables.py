"""The README's review story runs as written: a CSV to a Parquet of labels with cost in at most 15 lines of
Python, then `build`, `submit --wait` and `results --format csv` on the command line.

test_readme runs the whole README; this runs the tables section alone and checks what it leaves behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from openai_batch.server import LocalServer

from tests.wire.test_readme import BLOCK, ROOT, SHELL_PREAMBLE

pytestmark = pytest.mark.wire


def section_blocks() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Tables in, tables out")
    end = text.index("\n## ", start + 1)
    return [(m[1], m[2]) for m in BLOCK.finditer(text[start:end])]


def test_the_python_story_is_at_most_15_lines() -> None:
    python = [code for language, code in section_blocks() if language == "python"]
    assert len(python) == 1
    assert len(python[0].strip().splitlines()) <= 15


def test_the_review_story_runs(local_server_factory: Callable[..., LocalServer], tmp_path: Path) -> None:
    server = local_server_factory(throughput=1000.0)
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-local",
        "OPENAI_BASE_URL": server.base_url,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    blocks = section_blocks()
    assert [language for language, _ in blocks] == ["sh", "python", "sh"]
    for number, (language, code) in enumerate(blocks, 1):
        argv = (
            [sys.executable, "-c", code]
            if language == "python"
            else ["bash", "-euo", "pipefail", "-c", SHELL_PREAMBLE + code]
        )
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, f"block {number} ({language}) failed:\n{code}\n{done.stdout}\n{done.stderr}"
    labels = pq.read_table(tmp_path / "labels.parquet")
    assert labels.column("review_id").to_pylist() == ["r-001", "r-002", "r-003"]
    assert labels.column("text").to_pylist()[1] == "Stopped charging after a week.\nSupport never answered."
    assert all(labels.column("label").to_pylist()) and all(c > 0 for c in labels.column("cost_usd").to_pylist())
    table = pacsv.read_csv(tmp_path / "labels.csv", parse_options=pacsv.ParseOptions(newlines_in_values=True))
    assert table.column("review_id").to_pylist() == ["r-001", "r-002", "r-003"]
    assert table.column("outcome").to_pylist() == ["succeeded"] * 3
    assert all(table.column("label").to_pylist()) and table.column("stars").to_pylist() == [5, 1, 3]
