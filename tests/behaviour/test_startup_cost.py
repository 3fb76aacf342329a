"""What a command pays before it sends anything: no httpx CLI imported, no TLS context built unused."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
import pytest
from openai_batch import AsyncBatchClient, BatchClient

from tests.behaviour.client_fakes import KEY, batch_json


def test_importing_the_package_leaves_httpx_cli_out_and_httpx_main_still_works() -> None:
    code = (
        "import sys, openai_batch, httpx\n"
        "assert 'httpx._main' not in sys.modules, 'httpx CLI imported'\n"
        "assert 'click' not in sys.modules and 'rich' not in sys.modules, sorted(sys.modules)\n"
        "httpx.main(['--help'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    # httpx's own click command ran, imported on the call: it prints its usage and exits 0.
    assert done.returncode == 0, done.stderr
    assert "Usage: httpx" in done.stdout


class _CountingTransport(httpx.MockTransport):
    built = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).built += 1
        super().__init__(lambda request: httpx.Response(200, json=batch_json("batch_lazy")))


class _AsyncCountingTransport(_CountingTransport, httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self.handle_request(request)

    async def aclose(self) -> None:
        pass


def test_a_client_builds_its_http_transport_on_the_first_request_only(monkeypatch: pytest.MonkeyPatch) -> None:
    _CountingTransport.built = 0
    monkeypatch.setattr(httpx, "HTTPTransport", _CountingTransport)
    with BatchClient(api_key=KEY, base_url="http://127.0.0.1:9/v1"):
        pass
    assert _CountingTransport.built == 0  # opened and closed, nothing sent: nothing built
    with BatchClient(api_key=KEY, base_url="http://127.0.0.1:9/v1") as client:
        assert client.batches.retrieve("batch_lazy").id == "batch_lazy"
        assert client.batches.retrieve("batch_lazy").id == "batch_lazy"
    assert _CountingTransport.built == 1


@pytest.mark.anyio
async def test_an_async_client_builds_its_http_transport_on_the_first_request_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _AsyncCountingTransport.built = 0
    monkeypatch.setattr(httpx, "AsyncHTTPTransport", _AsyncCountingTransport)
    async with AsyncBatchClient(api_key=KEY, base_url="http://127.0.0.1:9/v1"):
        pass
    assert _AsyncCountingTransport.built == 0
    async with AsyncBatchClient(api_key=KEY, base_url="http://127.0.0.1:9/v1") as client:
        assert (await client.batches.retrieve("batch_lazy")).id == "batch_lazy"
        assert (await client.batches.retrieve("batch_lazy")).id == "batch_lazy"
    assert _AsyncCountingTransport.built == 1
