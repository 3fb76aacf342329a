"""README.md is a tested document: every ```python and ```sh block runs, in order, in one
directory, against the local server; a block that drifts from the code fails here.

The hidden preamble: the environment points the client at the local server (OPENAI_BASE_URL,
OPENAI_API_KEY) and puts this interpreter's `openai-batch` first on PATH; shell blocks run
under `set -euo pipefail`, so any failing command fails the block. `make` is run with
--dry-run: its targets (the whole test suite, a 1,000-request demo, regeneration) are checked to
exist and expand, not run again from inside the tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from openai_batch.server import LocalServer

pytestmark = pytest.mark.wire

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SHELL_PREAMBLE = f'make() {{ command make -C "{ROOT}" --dry-run "$@" > /dev/null; }}\n'


def blocks() -> list[tuple[str, str]]:
    return [(m[1], m[2]) for m in BLOCK.finditer((ROOT / "README.md").read_text())]


def test_every_block_is_python_or_shell() -> None:
    found = blocks()
    assert len(found) >= 6
    assert {language for language, _ in found} == {"python", "sh"}


def test_the_readme_runs(local_server_factory: Callable[..., LocalServer], tmp_path: Path) -> None:
    server = local_server_factory(throughput=1000.0)
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-local",
        "OPENAI_BASE_URL": server.base_url,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        # The Ray Data story's local cluster listens on 127.0.0.1 only (Ray's single-machine mode).
        "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    }
    for number, (language, code) in enumerate(blocks(), 1):
        if language == "python":
            argv = [sys.executable, "-c", code]
        else:
            argv = ["bash", "-euo", "pipefail", "-c", SHELL_PREAMBLE + code]
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, f"README block {number} ({language}) failed:\n{code}\n{done.stdout}\n{done.stderr}"
    assert (tmp_path / "results.jsonl").exists()
    assert (tmp_path / "status.json").read_text().count('"job_id"') >= 1
