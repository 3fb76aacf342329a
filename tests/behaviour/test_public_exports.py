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


def _public_types_in_signatures() -> dict[str, str]:
    """Every hand-written class named in a public signature of a public name: {class name: where seen}."""
    import inspect
    import re
    import sys

    found: dict[str, str] = {}
    queue = [getattr(openai_batch, name) for name in openai_batch.__all__]
    seen: set[int] = set()
    while queue:
        value = queue.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        members = [value]
        if isinstance(value, type):
            # Constructors are left out: public classes are made by the library (Job.submit, ...),
            # and their __init__ takes internal plumbing. Inherited members count (a mixin's methods).
            for n in dir(value):
                if n.startswith("_") and n != "__iter__":
                    continue
                static = inspect.getattr_static(value, n, None)
                members.append(static.fget if isinstance(static, property) else static)
        for member in members:
            member = getattr(member, "__func__", member)
            if not callable(member):
                continue
            try:
                annotations = inspect.get_annotations(member)
            except TypeError:
                continue
            module = sys.modules.get(getattr(member, "__module__", "") or "")
            if module is None:
                continue
            for annotation in annotations.values():
                for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", str(annotation)):
                    named = vars(module).get(word)
                    if named is None and word[:1].isupper():
                        # Imported only for type checking: find the class in the workflow package.
                        named = getattr(workflow, word, None)
                    if (
                        isinstance(named, type)
                        and named.__module__.startswith("openai_batch.")
                        and not word.startswith("_")
                        # A Protocol describes what a caller passes (any client will do): nothing to import.
                        and not getattr(named, "_is_protocol", False)
                    ):
                        if word not in found:
                            found[word] = f"{member.__qualname__}"
                            queue.append(named)
    return found


def test_every_public_type_reachable_from_a_public_signature_imports_from_the_package() -> None:
    reachable = _public_types_in_signatures()
    assert {"ParsedResult", "JobStatus", "ResultSummary", "ResultProblem", "ProblemKind"} <= set(reachable)
    missing = {name: where for name, where in reachable.items() if name not in openai_batch.__all__}
    assert missing == {}, f"public types not importable from openai_batch (name: where seen): {missing}"
    for name in reachable:
        assert getattr(openai_batch, name).__name__ == name
