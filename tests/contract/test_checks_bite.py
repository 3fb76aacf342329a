"""The package-wide checks in surface.py fail on the faults they exist for.

Fast, without the generator: small synthetic packages in tmp_path. (test_drift.py does
the same for the spec-versus-package checks, with a real generation.)
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

from tests.contract import surface


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_hand_written_import_check_names_each_missing_import(tmp_path: Path) -> None:
    hand_written = tmp_path / "openai_batch"
    write(hand_written / "__init__.py", "")
    write(
        hand_written / "_calls.py",
        """\
        from openai_batch_api.models import Batch, NoSuchModel
        from openai_batch_api.api.batch import retrieve_batch
        import openai_batch_api.nowhere
        import httpx

        def create():
            from openai_batch_api.api.batch import no_such_operation
            return no_such_operation
        """,
    )
    problems = surface.check_hand_written_imports(hand_written, surface.GENERATED)
    text = "\n".join(problems)
    assert len(problems) == 3, text
    assert "_calls.py:1:" in text and "has no NoSuchModel" in text
    assert "no module openai_batch_api.nowhere" in text
    assert "has no no_such_operation" in text
    # Names that exist resolve, whether a class (Batch) or a submodule (retrieve_batch).
    assert not any(p.endswith(("has no Batch", "has no retrieve_batch")) for p in problems), text


def test_runtime_only_import_check_skips_function_and_type_checking_imports(tmp_path: Path) -> None:
    hand_written = tmp_path / "openai_batch"
    write(
        hand_written / "_lazy.py",
        """\
        from typing import TYPE_CHECKING

        from openai_batch_api.models import Batch

        if TYPE_CHECKING:
            from openai_batch_api.models import OnlyForTypes
        else:
            from openai_batch_api.models import MissingAtRuntime

        def later():
            from openai_batch_api.models import OnlyWhenCalled
        """,
    )
    runtime = surface.check_hand_written_imports(hand_written, surface.GENERATED, runtime_only=True)
    everything = surface.check_hand_written_imports(hand_written, surface.GENERATED)
    assert [p.rsplit(" ", 1)[-1] for p in runtime] == ["MissingAtRuntime"], runtime
    assert sorted(p.rsplit(" ", 1)[-1] for p in everything) == ["MissingAtRuntime", "OnlyForTypes", "OnlyWhenCalled"]


def test_direction_check_names_a_generated_module_that_imports_openai_batch(tmp_path: Path) -> None:
    shutil.copytree(
        surface.GENERATED / surface.PACKAGE, tmp_path / surface.PACKAGE, ignore=shutil.ignore_patterns("__pycache__")
    )
    client = tmp_path / surface.PACKAGE / "client.py"
    lines = client.read_text(encoding="utf-8")
    # openai_batch_api's own name shares the prefix and must not count.
    client.write_text(
        lines + "\nimport openai_batch_api.types\nfrom openai_batch._auth import redact\n", encoding="utf-8"
    )
    assert surface.check_direction(surface.GENERATED) == []
    problems = surface.check_direction(tmp_path)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{surface.PACKAGE}/client.py:") and problems[0].endswith(
        "imports openai_batch._auth"
    )


def test_manifest_check_names_each_stale_entry(tmp_path: Path) -> None:
    manifest = json.loads((surface.GENERATED / surface.MANIFEST).read_text(encoding="utf-8"))
    manifest["ruff_version"] = "0.0.1"
    manifest["openapi.yaml_sha256"] = "0" * 64
    write(tmp_path / surface.MANIFEST, json.dumps(manifest))
    problems = surface.check_manifest(tmp_path, surface.SPEC, surface.CONFIG)
    assert len(problems) == 2, problems
    assert "ruff_version is '0.0.1'" in problems[0] + problems[1]
    assert "openapi.yaml_sha256" in problems[0] + problems[1]
    assert surface.check_manifest(tmp_path / "nowhere", surface.SPEC, surface.CONFIG) == [
        f"{surface.MANIFEST}: missing from {tmp_path / 'nowhere'}"
    ]


def test_public_name_check_names_a_type0_model(tmp_path: Path) -> None:
    write(tmp_path / surface.PACKAGE / "__init__.py", "")
    write(
        tmp_path / surface.PACKAGE / "models" / "__init__.py",
        """\
        class Batch: ...
        class BatchMetadataType0: ...
        __all__ = ("Batch", "BatchMetadataType0")
        """,
    )
    problems = surface.check_public_names(tmp_path)
    assert len(problems) == 1 and "BatchMetadataType0" in problems[0], problems


def test_annotation_names_reads_string_and_real_annotations() -> None:
    assert surface.annotation_names("BatchErrors | None | Unset") == {"BatchErrors", "None", "Unset"}
    assert surface.annotation_names("str | Unset") == {"str", "Unset"}
    assert surface.annotation_names(int | None) == {"int", "None"}
