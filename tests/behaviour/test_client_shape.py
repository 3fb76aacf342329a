"""The public surface: official-SDK resource shape, sync/async parity, per-call options, import cost."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import openai_batch
import pytest
from openai_batch import AsyncBatchClient, BatchClient
from openai_batch.resources import AsyncBatches, AsyncFiles, Batches, Files

METHODS = {
    "batches": (Batches, AsyncBatches, ["create", "retrieve", "cancel", "list", "wait"]),
    "files": (Files, AsyncFiles, ["create", "retrieve", "list", "delete", "content"]),
}
# Methods that return a lazy object in both clients (a pager, a content handle) instead of awaiting.
NOT_AWAITED = {"list", "content"}


@pytest.mark.parametrize("resource", sorted(METHODS))
def test_sync_and_async_resources_have_the_same_methods_and_parameters(resource: str) -> None:
    sync_cls, async_cls, names = METHODS[resource]
    public = {n for n in vars(sync_cls) if not n.startswith("_")}
    assert public == set(names) == {n for n in vars(async_cls) if not n.startswith("_")}
    for name in names:
        sync_sig = inspect.signature(getattr(sync_cls, name))
        async_sig = inspect.signature(getattr(async_cls, name))
        assert list(sync_sig.parameters) == list(async_sig.parameters), name
        assert inspect.iscoroutinefunction(getattr(async_cls, name)) is (name not in NOT_AWAITED), name
        assert {"timeout", "max_retries"} <= set(sync_sig.parameters), f"{resource}.{name} lacks per-call options"


def test_clients_take_the_same_constructor_arguments() -> None:
    sync_params = list(inspect.signature(BatchClient).parameters)
    assert sync_params == list(inspect.signature(AsyncBatchClient).parameters)
    assert sync_params[:1] == ["api_key"]
    expected = {
        "base_url",
        "organization",
        "project",
        "timeout",
        "max_retries",
        "allow_insecure_http",
        "transport",
        "sleep",
        "clock",
    }
    assert expected <= set(sync_params)


def test_every_exported_name_exists_and_public_classes_have_usage_examples() -> None:
    for name in openai_batch.__all__:
        obj = getattr(openai_batch, name)
        if inspect.isclass(obj) and not issubclass(obj, Exception):
            doc = obj.__doc__ or ""
            assert ">>>" in doc or "Example::" in doc, f"{name} has no usage example"
    for cls in (Batches, AsyncBatches, Files, AsyncFiles):
        assert ">>>" in (cls.__doc__ or "")


IMPORT_PROBE = """
import json, sys, time
start = time.perf_counter()
import openai_batch
from openai_batch import BatchClient, AsyncBatchClient
elapsed = time.perf_counter() - start
print(json.dumps({"elapsed": elapsed, "modules": sorted(sys.modules)}))
"""


def test_import_stays_light() -> None:
    # Heavy or unneeded modules stay out of `import openai_batch`; they load on first use.
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = set(json.loads(result.stdout)["modules"])
    for module in ("openai_batch_api.models", "openai_batch.resources", "anyio", "openai"):
        assert module not in loaded, f"`import openai_batch` imported {module}"
