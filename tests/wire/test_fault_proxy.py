"""The fault proxy does what it says: each fault kind happens on the wire as specified, faults are
seeded and capped, bodies pass through unchanged, and stopping it releases every thread and socket.

The upstream is the local server; its state is always checked directly, never through the proxy.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from openai_batch import BatchClient
from openai_batch.server import LocalServer

from tests.fixtures.local_server import input_file
from tests.wire.fault_proxy import CONTENT_KIND, FaultProxy, request_kind

pytestmark = pytest.mark.wire

AUTH = {"Authorization": "Bearer sk-proxy-test"}


@pytest.fixture
def upstream(local_server: LocalServer) -> Iterator[httpx.Client]:
    """A plain client straight to the local server, to look at its state behind the proxy."""
    with httpx.Client(base_url=local_server.base_url, headers=AUTH) as client:
        yield client


@pytest.fixture
def proxy_factory(local_server: LocalServer) -> Iterator[Callable[..., FaultProxy]]:
    started: list[FaultProxy] = []

    def start(**options: object) -> FaultProxy:
        proxy = FaultProxy(local_server.base_url, **options)  # type: ignore[arg-type]
        proxy.start()
        started.append(proxy)
        return proxy

    try:
        yield start
    finally:
        for proxy in started:
            proxy.stop()


def upload(client: httpx.Client, content: bytes, name: str = "in.jsonl") -> httpx.Response:
    return client.post("/files", data={"purpose": "batch"}, files={"file": (name, content, "application/jsonl")})


def file_count(upstream: httpx.Client) -> int:
    return len(upstream.get("/files").json()["data"])


def raw_exchange(port: int, request: bytes) -> bytes | type[ConnectionResetError]:
    """Send one request on a fresh socket; the bytes answered until close, or ConnectionResetError."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            return ConnectionResetError
        return received


def big_output(lines: int = 3000) -> bytes:
    """A JSONL file of lines of varied length, spanning many 64 KiB chunks."""
    return b"".join(
        b'{"custom_id": "r-%05d", "response": {"body": "%s"}}\n' % (i, b"x" * (50 + (i * 37) % 400))
        for i in range(lines)
    )


# --- forwarding ------------------------------------------------------------------------------------


def test_request_kinds_name_the_operation_not_the_ids() -> None:
    assert request_kind("GET", "/v1/files/file-abc/content") == CONTENT_KIND
    assert request_kind("POST", "/v1/batches/batch_1/cancel") == "POST /v1/batches/{id}/cancel"
    assert request_kind("GET", "/v1/batches") == "GET /v1/batches"
    assert request_kind("POST", "/v1/files") == "POST /v1/files"


def test_without_faults_bodies_pass_through_unchanged(
    proxy_factory: Callable[..., FaultProxy], upstream: httpx.Client
) -> None:
    proxy = proxy_factory(rate=0.0)
    content = big_output()
    with httpx.Client(base_url=proxy.base_url, headers=AUTH) as client:
        created = upload(client, content)
        assert created.status_code == 200, created.text
        file_id = created.json()["id"]
        downloaded = client.get(f"/files/{file_id}/content")
        listed = client.get("/batches", params={"limit": 5})
    assert downloaded.content == content == upstream.get(f"/files/{file_id}/content").content
    assert downloaded.headers["content-length"] == str(len(content))
    assert listed.json() == upstream.get("/batches", params={"limit": 5}).json()
    stats = proxy.stats()
    assert stats.requests == {"POST /v1/files": 1, CONTENT_KIND: 1, "GET /v1/batches": 1}
    assert stats.forwarded == stats.requests
    assert stats.total_faults == 0
    assert stats.statuses == {200: 3}


def test_proxy_base_url_keeps_the_upstream_api_path(proxy_factory: Callable[..., FaultProxy]) -> None:
    proxy = proxy_factory(rate=0.0)
    assert proxy.base_url == f"http://127.0.0.1:{proxy.port}/v1"


# --- each fault kind -------------------------------------------------------------------------------


def test_reset_is_a_real_rst_and_nothing_reaches_the_upstream(
    proxy_factory: Callable[..., FaultProxy], upstream: httpx.Client
) -> None:
    proxy = proxy_factory(rate=1.0, kinds=["reset"], max_in_a_row=None)
    assert raw_exchange(proxy.port, b"GET /v1/batches HTTP/1.1\r\nHost: x\r\n\r\n") is ConnectionResetError
    with httpx.Client(base_url=proxy.base_url, headers=AUTH) as client, pytest.raises(httpx.TransportError):
        upload(client, input_file(["a", "b"]))
    assert file_count(upstream) == 0
    stats = proxy.stats()
    assert stats.faults == {"reset": 2}
    assert stats.forwarded.total() == 0


def test_lost_answer_upload_leaves_the_file_upstream_and_the_client_sees_a_hang_up(
    proxy_factory: Callable[..., FaultProxy], upstream: httpx.Client
) -> None:
    proxy = proxy_factory(rate=1.0, kinds=["lost_answer"], max_in_a_row=None)
    with httpx.Client(base_url=proxy.base_url, headers=AUTH) as client, pytest.raises(httpx.RemoteProtocolError):
        upload(client, input_file(["a", "b"]))
    files = upstream.get("/files").json()["data"]
    assert [f["bytes"] for f in files] == [len(input_file(["a", "b"]))]
    # A clean close (FIN) with not one byte of answer, after the upstream answered the proxy.
    assert raw_exchange(proxy.port, b"GET /v1/batches HTTP/1.1\r\nHost: x\r\n\r\n") == b""
    stats = proxy.stats()
    assert stats.faults_by_request == {("POST /v1/files", "lost_answer"): 1, ("GET /v1/batches", "lost_answer"): 1}
    assert stats.forwarded == {"POST /v1/files": 1, "GET /v1/batches": 1}
    assert stats.statuses.total() == 0


@pytest.mark.parametrize("retry_after", [0.0, 1.0])
def test_429_says_when_to_retry_and_is_not_forwarded(
    proxy_factory: Callable[..., FaultProxy], upstream: httpx.Client, retry_after: float
) -> None:
    proxy = proxy_factory(rate=1.0, kinds=["429"], max_in_a_row=None, retry_after=retry_after)
    with httpx.Client(base_url=proxy.base_url, headers=AUTH) as client:
        response = upload(client, input_file(["a"]))
    assert response.status_code == 429
    assert response.headers["retry-after"] == f"{retry_after:.0f}"
    assert response.headers["retry-after-ms"] == f"{retry_after * 1000:.0f}"
    assert response.json()["error"]["code"] == "rate_limit_exceeded"
    assert file_count(upstream) == 0
    assert proxy.stats().forwarded.total() == 0


def test_our_client_retries_through_429s_with_the_short_retry_after(
    proxy_factory: Callable[..., FaultProxy], upstream: httpx.Client, tmp_path: Path
) -> None:
    proxy = proxy_factory(rate=1.0, kinds=["429"], max_in_a_row=2)
    path = tmp_path / "in.jsonl"
    path.write_bytes(input_file(["a", "b"]))
    sleeps: list[float] = []
    with BatchClient(api_key="sk-proxy-test", base_url=proxy.base_url, sleep=sleeps.append) as client:
        created = client.files.create(file=path, purpose="batch")
    assert sleeps == [0.0, 0.0]
    assert [f["id"] for f in upstream.get("/files").json()["data"]] == [created.id]
    assert proxy.stats().statuses == {429: 2, 200: 1}


def test_5xx_before_forwarding_uses_500_502_and_503(
    proxy_factory: Callable[..., FaultProxy], upstream: httpx.Client
) -> None:
    proxy = proxy_factory(rate=1.0, kinds=["5xx"], max_in_a_row=None, seed=3)
    with httpx.Client(base_url=proxy.base_url, headers=AUTH) as client:
        statuses = {client.get("/batches").status_code for _ in range(30)}
        assert upload(client, input_file(["a"])).status_code in (500, 502, 503)
    assert statuses == {500, 502, 503}
    assert file_count(upstream) == 0
    assert proxy.stats().forwarded.total() == 0


def test_5xx_after_forwarding_leaves_the_batch_upstream(
    proxy_factory: Callable[..., FaultProxy], upstream: httpx.Client
) -> None:
    file_id = upload(upstream, input_file(["a", "b"])).json()["id"]
    proxy = proxy_factory(rate=1.0, kinds=["5xx_after"], max_in_a_row=None)
    with httpx.Client(base_url=proxy.base_url, headers=AUTH) as client:
        response = client.post(
            "/batches",
            json={"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"},
        )
    assert response.status_code in (500, 502, 503)
    assert [b["input_file_id"] for b in upstream.get("/batches").json()["data"]] == [file_id]
    assert proxy.stats().faults_by_request == {("POST /v1/batches", "5xx_after"): 1}


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("kind", ["cut_line", "cut_mid"])
def test_cut_download_is_a_clean_short_prefix_without_length(
    proxy_factory: Callable[..., FaultProxy], upstream: httpx.Client, kind: str, seed: int
) -> None:
    content = big_output()
    file_id = upload(upstream, content).json()["id"]
    proxy = proxy_factory(rate=1.0, kinds=[kind], seed=seed, max_in_a_row=None)
    with (
        httpx.Client(base_url=proxy.base_url, headers=AUTH) as client,
        client.stream("GET", f"/files/{file_id}/content") as response,
    ):
        body = b"".join(response.iter_bytes())  # raises nothing: the chunked body ends cleanly
    assert response.status_code == 200
    assert "content-length" not in response.headers
    assert response.headers["transfer-encoding"] == "chunked"
    assert len(body) < len(content)
    assert content.startswith(body)
    if kind == "cut_line":
        assert body == b"" or body.endswith(b"\n")
    else:
        assert body and not body.endswith(b"\n")
    (cut,) = proxy.stats().cuts
    assert (cut.kind, cut.sent, cut.length) == (kind, len(body), len(content))
    assert proxy.stats().faults == {kind: 1}


def test_cut_falls_in_many_places(proxy_factory: Callable[..., FaultProxy], upstream: httpx.Client) -> None:
    content = big_output()
    file_id = upload(upstream, content).json()["id"]
    proxy = proxy_factory(rate=1.0, kinds=["cut_line", "cut_mid"], max_in_a_row=None, seed=11)
    with httpx.Client(base_url=proxy.base_url, headers=AUTH) as client:
        sizes = [len(client.get(f"/files/{file_id}/content").content) for _ in range(20)]
    assert len(set(sizes)) >= 15
    assert {cut.kind for cut in proxy.stats().cuts} == {"cut_line", "cut_mid"}


def test_cut_kinds_apply_to_content_downloads_only(
    proxy_factory: Callable[..., FaultProxy], upstream: httpx.Client
) -> None:
    proxy = proxy_factory(rate=1.0, kinds=["cut_line", "cut_mid"], max_in_a_row=None)
    with httpx.Client(base_url=proxy.base_url, headers=AUTH) as client:
        assert [client.get("/batches").status_code for _ in range(5)] == [200] * 5
        assert upload(client, input_file(["a"])).status_code == 200
    assert proxy.stats().total_faults == 0


# --- determinism, rate and caps -----------------------------------------------------------------------


def statuses_seen(proxy: FaultProxy, requests: int, path: str = "/batches") -> list[int]:
    with httpx.Client(base_url=proxy.base_url, headers=AUTH) as client:
        return [client.get(path).status_code for _ in range(requests)]


def test_the_same_seed_gives_the_same_faults(proxy_factory: Callable[..., FaultProxy]) -> None:
    options = {"rate": 0.5, "kinds": ["429", "5xx"], "max_in_a_row": None}
    first = statuses_seen(proxy_factory(seed=5, **options), 40)
    again = statuses_seen(proxy_factory(seed=5, **options), 40)
    other = statuses_seen(proxy_factory(seed=6, **options), 40)
    assert first == again
    assert first != other
    assert 200 in first and set(first) - {200}


def test_rate_is_the_share_of_faulted_requests(proxy_factory: Callable[..., FaultProxy]) -> None:
    proxy = proxy_factory(rate=0.3, kinds=["429"], max_in_a_row=None, seed=2)
    seen = statuses_seen(proxy, 200)
    assert 40 <= seen.count(429) <= 80
    assert proxy.stats().faults["429"] == seen.count(429)


def test_max_faults_caps_the_proxys_lifetime(proxy_factory: Callable[..., FaultProxy]) -> None:
    proxy = proxy_factory(rate=1.0, kinds=["429"], max_in_a_row=None, max_faults=3)
    assert statuses_seen(proxy, 6) == [429, 429, 429, 200, 200, 200]


def test_max_in_a_row_lets_the_next_request_of_that_kind_through(proxy_factory: Callable[..., FaultProxy]) -> None:
    proxy = proxy_factory(rate=1.0, kinds=["429"], max_in_a_row=2)
    assert statuses_seen(proxy, 6) == [429, 429, 200, 429, 429, 200]


def test_excluded_and_admin_requests_are_never_faulted(proxy_factory: Callable[..., FaultProxy]) -> None:
    proxy = proxy_factory(rate=1.0, kinds=["429"], max_in_a_row=None, exclude={"GET /v1/batches"})
    assert statuses_seen(proxy, 3) == [200, 200, 200]
    assert statuses_seen(proxy, 2, "/_admin/faults") == [200, 200]
    assert statuses_seen(proxy, 2, "/files") == [429, 429]


def test_only_limits_faults_to_the_kinds_named(proxy_factory: Callable[..., FaultProxy]) -> None:
    proxy = proxy_factory(rate=1.0, kinds=["429"], max_in_a_row=None, only={"GET /v1/files"})
    assert statuses_seen(proxy, 2) == [200, 200]
    assert statuses_seen(proxy, 2, "/files") == [429, 429]


def test_inactive_proxy_forwards_everything(proxy_factory: Callable[..., FaultProxy]) -> None:
    proxy = proxy_factory(rate=1.0, kinds=["429"], max_in_a_row=None)
    proxy.active = False
    assert statuses_seen(proxy, 2) == [200, 200]
    proxy.active = True
    assert statuses_seen(proxy, 1) == [429]


@pytest.mark.parametrize(
    "options",
    [{"kinds": ["timeout"]}, {"rate": 1.5}, {"max_faults": -1}, {"max_in_a_row": 0}, {"retry_after": 61}],
)
def test_bad_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        FaultProxy("http://127.0.0.1:1/v1", **options)  # type: ignore[arg-type]


# --- stopping ------------------------------------------------------------------------------------------


def tcp_ports() -> dict[str, tuple[int, int]]:
    """Socket inode -> (local port, remote port) of this machine's IPv4 TCP sockets."""
    ports: dict[str, tuple[int, int]] = {}
    with open("/proc/net/tcp", encoding="ascii") as table:
        for line in list(table)[1:]:
            fields = line.split()
            ports[fields[9]] = (int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16))
    return ports


def open_fds(upstream_port: int) -> set[str]:
    """This process's open file descriptors, less the upstream server's side of its connections
    (the local server shares this process and closes those on its own loop's schedule)."""
    ports = tcp_ports()
    fds = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the descriptor listdir itself used
            continue
        inode = target.removeprefix("socket:[").removesuffix("]")
        if target.startswith("socket:") and ports.get(inode, (0, 0))[0] == upstream_port:
            continue
        fds.add(f"{fd} -> {target} {ports.get(inode, '')}")
    return fds


def own_threads() -> set[threading.Thread]:
    """Live threads, less the local server's worker pool (it grows with the upstream's own load)."""
    return {t for t in threading.enumerate() if not t.name.startswith("AnyIO worker thread")}


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to count file descriptors")
def test_stop_releases_every_thread_and_socket(local_server: LocalServer) -> None:
    threads = own_threads()
    fds = open_fds(local_server.port)
    with (
        httpx.Client(base_url=local_server.base_url, headers=AUTH) as client,
        FaultProxy(local_server.base_url, rate=0.5, seed=1) as proxy,
        httpx.Client(base_url=proxy.base_url, headers=AUTH) as via_proxy,
    ):
        port = proxy.port
        file_id = upload(client, big_output(300)).json()["id"]
        for _ in range(10):  # faults of every kind, and keep-alive connections left open at stop
            try:
                via_proxy.get(f"/files/{file_id}/content")
                via_proxy.get("/batches")
            except httpx.TransportError:
                pass
        assert proxy.stats().total_faults > 0
        proxy.stop()
        proxy.stop()  # a second stop is harmless
    assert own_threads() == threads
    assert open_fds(local_server.port) == fds
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_leaving_the_block_on_an_error_stops_the_proxy(local_server: LocalServer) -> None:
    threads = own_threads()
    with pytest.raises(RuntimeError, match="inside"), FaultProxy(local_server.base_url) as proxy:
        port = proxy.port
        raise RuntimeError("inside")
    assert own_threads() == threads
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
