"""The committed generated/openai_batch_api against openapi.yaml, read at test time.

One test per operation and per model (named by operationId / class name), plus the
package-wide checks: nothing extra, the manifest, the import direction, public names and
the hand-written package's imports from the generated one.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.contract import surface

CONTRACT = surface.Contract.from_files(surface.SPEC, surface.CONFIG)


@pytest.fixture(scope="module")
def package() -> Iterator[ModuleType]:
    with surface.loaded_package(surface.GENERATED) as loaded:
        yield loaded


def report(problems: list[str]) -> str:
    return "\n".join(problems)


def test_spec_describes_operations_and_models() -> None:
    # Guards the parametrised tests below against passing vacuously on an unreadable spec.
    assert CONTRACT.operations, f"{surface.SPEC} has no operations"
    assert CONTRACT.models, f"{surface.SPEC} gives rise to no models"
    assert not CONTRACT.duplicates, report(CONTRACT.duplicates)


@pytest.mark.parametrize("operation_id", sorted(CONTRACT.operations))
def test_operation_module_matches_spec(package: ModuleType, operation_id: str) -> None:
    problems = surface.check_operation(package, CONTRACT.operations[operation_id])
    assert not problems, report(problems)


@pytest.mark.parametrize("class_name", sorted(CONTRACT.models))
def test_model_matches_spec(package: ModuleType, class_name: str) -> None:
    problems = surface.check_model(package, CONTRACT.models[class_name], CONTRACT)
    assert not problems, report(problems)


def test_package_has_nothing_the_spec_lacks(package: ModuleType) -> None:
    problems = surface.check_extras(surface.GENERATED, CONTRACT, package)
    assert not problems, report(problems)


def test_manifest_records_the_inputs_and_installed_tools() -> None:
    problems = surface.check_manifest(surface.GENERATED, surface.SPEC, surface.CONFIG)
    assert not problems, report(problems) + "\nrun `make generate`"


def test_generated_package_never_imports_the_hand_written_one() -> None:
    problems = surface.check_direction(surface.GENERATED)
    assert not problems, report(problems)


def test_public_model_names_carry_no_generator_suffix() -> None:
    problems = surface.check_public_names(surface.GENERATED)
    assert not problems, report(problems)


def test_every_name_the_hand_written_package_imports_exists() -> None:
    problems = surface.check_hand_written_imports(surface.HAND_WRITTEN, surface.GENERATED)
    assert not problems, report(problems)


def test_the_whole_check_passes_on_the_committed_package() -> None:
    # The entry point the regeneration tests use, on the pair that must agree.
    problems = surface.check_generated_package(surface.SPEC, surface.GENERATED, surface.CONFIG)
    assert not problems, report(problems)
