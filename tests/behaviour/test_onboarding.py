"""What a new user meets first: CI never skips a test that lacks its inputs, and the demo says its
failures are injected on purpose."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

A_TEST_WITHOUT_ITS_INPUT = """
import pytest

def test_needs_a_spec():
    pytest.skip("../shared/specs is absent")

def test_plain():
    assert 1 + 1 == 2
"""


def run_pytest(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(A_TEST_WITHOUT_ITS_INPUT)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.fixtures.ci_skips",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rs",
            str(tmp_path / "test_sample.py"),
            "--rootdir",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_skip_fails_under_ci_and_is_named_off_it(tmp_path: Path) -> None:
    in_ci = run_pytest(tmp_path, "true")
    assert in_ci.returncode == 1, in_ci.stdout
    assert "1 failed, 1 passed" in in_ci.stdout
    assert "skipped under CI=true" in in_ci.stdout and "../shared/specs is absent" in in_ci.stdout
    local = run_pytest(tmp_path, None)
    assert local.returncode == 0, local.stdout
    assert "1 passed, 1 skipped" in local.stdout
    assert "1 test(s) skipped because their inputs are absent" in local.stdout
