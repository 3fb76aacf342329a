"""One regeneration per shipped upstream for the whole test session.

`make spec` then `make generate` from each upstream the project ships (../shared/specs):
2026-08-21 strictly, as the Makefile does, and 2024-08-07 with ALLOW_MISSING. Each is
built once, into a temporary folder, and shared by every test that needs it: a build takes
a few seconds and CI runs on two cores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.contract import pipeline


@dataclass(frozen=True)
class Build:
    upstream: Path
    spec: Path
    package_root: Path
    stderr: str


CURRENT = "2026-08-21"
OLD = "2024-08-07"
SHIPPED = (CURRENT, OLD)


def upstream_path(name: str) -> Path:
    return pipeline.makefile_upstream() if name == CURRENT else pipeline.SHARED_SPECS / f"openai-openapi-{name}.yaml"


@pytest.fixture(scope="session")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Build]:
    """`regenerated(name)`: the spec and package built from that shipped upstream (built on first use)."""
    cache: dict[str, Build] = {}

    def build(name: str) -> Build:
        if name not in cache:
            upstream = pipeline.require_upstream(upstream_path(name))
            folder = tmp_path_factory.mktemp(f"upstream-{name}")
            spec = folder / "openapi.yaml"
            result = pipeline.build_spec(upstream, spec, allow_missing=name != CURRENT)
            assert result.returncode == 0, result.stderr
            cache[name] = Build(upstream, spec, pipeline.generate(spec, folder / "generated"), result.stderr)
        return cache[name]

    return build
