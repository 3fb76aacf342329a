"""`openai_batch`'s public surface: every name in __all__ resolves, and the workflow loads lazily."""

from __future__ import annotations

import subprocess
import sys

import openai_batch
import openai_batch.workflow as workflow


def test_every_public_name_resolves_to_its_source() -> None:
    for name in openai_batch.__all__:
        value = getattr(openai_batch, name)
        if name in workflow.__all__:
            assert value is getattr(workflow, name), name


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        openai_batch.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_does_not_load_the_workflow_until_asked() -> None:
    code = (
        "import sys, openai_batch\n"
        "assert 'openai_batch.workflow' not in sys.modules, 'workflow imported eagerly'\n"
        "openai_batch.Job\n"
        "assert 'openai_batch.workflow' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_name_in_the_exception_tree_is_importable_from_the_package() -> None:
    import re

    from openai_batch import _exceptions

    tree = (_exceptions.__doc__ or "").split("::", 1)[1].split("\n\n", 2)[1]
    drawn = set(re.findall(r"\b([A-Z][A-Za-z]+(?:Error|Timeout))\b", tree))
    assert {"WorkflowError", "JobNotFoundError", "BatchWaitTimeout", "APITimeoutError"} <= drawn
    for name in drawn:
        assert name in openai_batch.__all__, name
        assert isinstance(getattr(openai_batch, name), type) and issubclass(
            getattr(openai_batch, name), openai_batch.OpenAIBatchError
        ), name
