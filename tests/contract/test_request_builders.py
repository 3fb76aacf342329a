"""The hand-written fast path builds requests with each generated module's `_get_kwargs`.

That name is private to the generator's output, so this pins it: every operation module
has one, taking the same parameters as its `sync_detailed` minus `client`, and it returns
the method and url an httpx request needs.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest
import yaml

SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"


def _operations() -> list[tuple[str, str]]:
    spec = yaml.load(SPEC.read_text(), Loader=yaml.CSafeLoader)
    found = []
    for item in spec["paths"].values():
        for method, op in item.items():
            # Operations with a body (create*) go through the generated sync_detailed instead.
            if isinstance(op, dict) and "operationId" in op and "requestBody" not in op:
                tag = op["tags"][0].lower()
                module = re.sub(r"(?<!^)(?=[A-Z])", "_", op["operationId"]).lower()
                found.append((f"openai_batch_api.api.{tag}.{module}", method))
    return found


@pytest.mark.parametrize(("module_name", "method"), _operations())
def test_every_operation_module_has_the_request_builder(module_name: str, method: str) -> None:
    module = importlib.import_module(module_name)
    builder = getattr(module, "_get_kwargs", None)
    assert callable(builder), f"{module_name} has no _get_kwargs"
    detailed = [p for p in inspect.signature(module.sync_detailed).parameters if p != "client"]
    assert list(inspect.signature(builder).parameters) == detailed, module_name
    required = {name: "x" for name, p in inspect.signature(builder).parameters.items() if p.default is p.empty}
    kwargs = builder(**required)
    assert kwargs["method"].lower() == method and kwargs["url"].startswith("/")
