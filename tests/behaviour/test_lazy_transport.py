"""The client's transports: built on the first request, and no certificate store for plain HTTP."""

from __future__ import annotations

import ssl
from typing import Any, ClassVar

import httpx
import pytest
from openai_batch import _lazy_transport
from openai_batch._lazy_transport import AsyncLazyTransport, LazyTransport


class _Recorded:
    """Stands in for httpx's transports: records how each was built and what it sent."""

    built: ClassVar[list[Any]] = []

    def __init__(self, *, verify: Any = True) -> None:
        self.verify = verify
        self.sent: list[str] = []
        _Recorded.built.append(self)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(str(request.url))
        return httpx.Response(200)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self.handle_request(request)

    def close(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    _Recorded.built = []
    monkeypatch.setattr(_lazy_transport.httpx, "HTTPTransport", _Recorded)
    monkeypatch.setattr(_lazy_transport.httpx, "AsyncHTTPTransport", _Recorded)
    return _Recorded.built


def test_nothing_is_built_before_the_first_request(recorded: list[Any]) -> None:
    LazyTransport().close()
    assert recorded == []


def test_plain_http_gets_a_transport_without_certificates_and_https_the_verifying_default(
    recorded: list[Any],
) -> None:
    transport = LazyTransport()
    transport.handle_request(httpx.Request("GET", "http://127.0.0.1:8000/v1/batches"))
    transport.handle_request(httpx.Request("GET", "http://127.0.0.1:8000/v1/files"))
    assert len(recorded) == 1 and isinstance(recorded[0].verify, ssl.SSLContext)
    transport.handle_request(httpx.Request("GET", "https://api.example.test/v1/batches"))
    assert len(recorded) == 2 and recorded[1].verify is True  # httpx's own default: the certifi store
    assert recorded[0].sent == ["http://127.0.0.1:8000/v1/batches", "http://127.0.0.1:8000/v1/files"]
    assert recorded[1].sent == ["https://api.example.test/v1/batches"]
    transport.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_the_async_transport_routes_the_same_way(recorded: list[Any]) -> None:
    transport = AsyncLazyTransport()
    await transport.handle_async_request(httpx.Request("GET", "https://api.example.test/v1/batches"))
    await transport.handle_async_request(httpx.Request("GET", "http://127.0.0.1:8000/v1/batches"))
    assert [built.verify is True for built in recorded] == [True, False]
    assert isinstance(recorded[1].verify, ssl.SSLContext)
    await transport.aclose()


def test_the_plain_http_context_fails_closed() -> None:
    # Never used for plain HTTP; were it ever asked for TLS, it would trust no server at all.
    context = _lazy_transport._no_certificates()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0
