"""Running the spec pipeline (overrides/codegen) from tests, always into temporary folders.

The scripts run in a subprocess with this interpreter (the project's venv), exactly as
`make spec` / `make generate` run them, so the tests exercise the real entry points.
"""

from __future__ import annotations

import filecmp
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.contract.surface import CODEGEN, CONFIG, ROOT

SHARED_SPECS = ROOT.parent / "shared" / "specs"
OLD_UPSTREAM = SHARED_SPECS / "openai-openapi-2024-08-07.yaml"
# Generous: each script takes about a second; this only stops a hung run.
TIMEOUT = 120


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def makefile_upstream() -> Path:
    """The upstream spec `make spec` builds from (the Makefile's UPSTREAM default)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^UPSTREAM\s*\??=\s*(\S+)", text, re.MULTILINE)
    assert match, "Makefile defines no UPSTREAM"
    return (ROOT / match.group(1)).resolve()


def require_upstream(path: Path) -> Path:
    """The upstream spec, or a skip outside CI (a developer without ../shared/specs); in CI a failure."""
    if path.exists():
        return path
    if in_ci():
        pytest.fail(f"{path} is missing: CI must provide the upstream specs beside the repository")
    pytest.skip(f"{path} is absent (the upstream specs live in ../shared/specs); CI=true makes this a failure")


def run_codegen(script: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CODEGEN / script), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=TIMEOUT,
        check=False,
    )


def build_spec(upstream: Path, output: Path, *, allow_missing: bool = False) -> subprocess.CompletedProcess[str]:
    return run_codegen("build_spec.py", upstream, output, *(["--allow-missing"] if allow_missing else []))


def generate(spec: Path, out: Path, config: Path = CONFIG) -> Path:
    """Generate into `out` (which then holds openai_batch_api/); fails the test with the generator's output."""
    result = run_codegen("generate.py", "--spec", spec, "--config", config, "--out", out)
    assert result.returncode == 0, f"generate.py failed on {spec}:\n{result.stdout}\n{result.stderr}"
    return out


def tree_differences(expected: Path, actual: Path, ignore: tuple[str, ...] = ("__pycache__",)) -> list[str]:
    """Files that differ, or exist on one side only (byte comparison), as relative paths."""
    differences: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: Path) -> None:
        differences.extend(f"only in {expected.name}: {prefix / n}" for n in cmp.left_only)
        differences.extend(f"only in the fresh generation: {prefix / n}" for n in cmp.right_only)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        differences.extend(f"differs: {prefix / n}" for n in [*mismatch, *errors])
        for name, sub in cmp.subdirs.items():
            walk(sub, prefix / name)

    walk(filecmp.dircmp(expected, actual, ignore=list(ignore)), Path())
    return sorted(differences)
