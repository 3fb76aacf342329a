"""Every way a user can get an error out of the package, as ONE list (`PATHS`), and the checks on it.

Each `ErrorPath` does what a user does (configure a client, call an endpoint, upload, download,
wait, run the command line) against a server that answers badly: the loopback echo server
(`tests.fixtures.echo_server`, which hands the request, Authorization included, back in the
body and headers) or, for failures a real socket cannot produce on demand (timeouts), an
`httpx.MockTransport` whose errors quote the request's headers. A new error path is added here
once; `test_error_paths.py` runs every check on every path, and the process-pool test runs
them in a worker process.

The key is only ever read from the module constant `KEY` (never a local variable of a path),
so a key found on the stack of an error was put there by the package.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import io
import json
import os
import ssl
import sys
import tempfile
import types
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import anyio
import httpx
from openai_batch import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncBatchClient,
    AuthenticationError,
    BadRequestError,
    BatchClient,
    ConfigurationError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from openai_batch._secret import Secret
from openai_batch.workflow import (
    BatchLimits,
    BatchWaitTimeout,
    BudgetExceededError,
    InputValidationError,
    Job,
    JobConflictError,
    JobError,
    JobNotFoundError,
)

KEY = "sk-proj-ECHOKEY-7d41c9a2b8e0f3"
KEY_BYTES = KEY.encode()
NOW = 1_700_000_000.0


# --- the rig a path runs on ---------------------------------------------------------------


@dataclass
class Rig:
    """What a path needs: the client mode, the echo server's address, a scratch directory."""

    mode: str  # "sync" or "async"
    echo_port: int
    tmp: Path
    clients: list[Any] = field(default_factory=list, repr=False)

    def url(self, scenario: str) -> str:
        return f"http://127.0.0.1:{self.echo_port}/s/{scenario}/v1"

    def client(self, scenario: str, **options: Any) -> Any:
        """A client of this rig's mode on the echo server (one retry, sleeps recorded, not slept)."""
        return self._build(base_url=self.url(scenario), **options)

    def real_transport(self) -> Any:
        # The transport a client builds by default, sharing one TLS context: loading the CA
        # bundle costs ~90 ms per client, and the echo server speaks plain http anyway.
        if self.mode == "sync":
            return httpx.HTTPTransport(verify=_tls())
        return httpx.AsyncHTTPTransport(verify=_tls())

    def mock_client(self, fault: type[httpx.TransportError], **options: Any) -> Any:
        """A client whose every request fails with `fault`, its message quoting the request's headers."""

        def handler(request: httpx.Request) -> httpx.Response:
            raise fault(f"failed {request.method} {request.url} with headers {dict(request.headers)}", request=request)

        transport: Any = httpx.MockTransport(handler)
        return self._build(transport=transport, **options)

    def _build(self, **options: Any) -> Any:
        options.setdefault("max_retries", 1)
        options.setdefault("transport", self.real_transport())
        if self.mode == "sync":
            client: Any = BatchClient(KEY, sleep=lambda seconds: None, clock=lambda: NOW, **options)
        else:

            async def no_sleep(seconds: float) -> None:
                return None

            client = AsyncBatchClient(KEY, sleep=no_sleep, clock=lambda: NOW, **options)
        self.clients.append(client)
        return client

    @property
    def cls(self) -> Any:
        """The client class of this mode; configuration paths call it with the key inline (no local holds it)."""
        return BatchClient if self.mode == "sync" else AsyncBatchClient

    async def call(self, result: Any) -> Any:
        return await result if hasattr(result, "__await__") else result

    async def collect(self, pager: Any) -> list[Any]:
        if hasattr(pager, "__aiter__"):
            return [item async for item in pager]
        return list(pager)

    async def lines(self, content: Any) -> list[bytes]:
        iterator = content.iter_byte_lines()
        if hasattr(iterator, "__aiter__"):
            return [line async for line in iterator]
        return list(iterator)

    def input_file(self, lines: list[dict[str, Any]]) -> Path:
        path = self.tmp / f"input-{len(list(self.tmp.iterdir()))}.jsonl"
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
        return path

    async def close(self) -> None:
        for client in self.clients:
            if isinstance(client, AsyncBatchClient):
                await client.close()
            else:
                client.close()


@functools.cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


def chat_line(custom_id: str) -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
    }


# --- the paths ------------------------------------------------------------------------------


Run = Callable[[Rig], Awaitable[object]]


@dataclass(frozen=True)
class ErrorPath:
    """One way to get an error: what the user does (`run`), and what must come out of it."""

    name: str
    raises: type[BaseException]
    run: Run = field(repr=False)
    status: int | None = None  # the HTTP status the error reports
    request_id: bool = False  # the server's x-request-id reaches the error
    has_request: bool = False  # the error carries the (cleaned) request it sent
    says: str = ""  # text the message must contain
    modes: tuple[str, ...] = ("sync", "async")

    def __str__(self) -> str:
        return self.name


PATHS: list[ErrorPath] = []


def path(name: str, raises: type[BaseException], **expect: Any) -> Callable[[Run], Run]:
    """Register the decorated coroutine as the error path `name`."""

    def register(run: Run) -> Run:
        PATHS.append(ErrorPath(name, raises, run, **expect))
        return run

    return register


# Configuration: the settings are refused before any request.


@path("config: blank key", ConfigurationError, says="No API key")
async def _(rig: Rig) -> object:
    return rig.cls(api_key="   ")


@path("config: key from the environment, base URL from the environment with the key", ConfigurationError)
async def _(rig: Rig) -> object:
    with mock.patch.dict(os.environ, {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": f"https://x:{KEY}@gw.example/v1"}):
        return rig.cls()


@path("config: key as the base URL's password", ConfigurationError, says="contains the API key")
async def _(rig: Rig) -> object:
    return rig.cls(api_key=KEY, base_url=f"https://user:{KEY}@gw.example/v1")


@path("config: key as the base URL's user", ConfigurationError, says="contains the API key")
async def _(rig: Rig) -> object:
    return rig.cls(api_key=KEY, base_url=f"https://{KEY}@gw.example/v1")


@path("config: key in the base URL's query", ConfigurationError, says="contains the API key")
async def _(rig: Rig) -> object:
    return rig.cls(api_key=KEY, base_url=f"https://gw.example/v1?api-key={KEY}")


@path("config: key in the base URL's path", ConfigurationError, says="contains the API key")
async def _(rig: Rig) -> object:
    return rig.cls(api_key=KEY, base_url=f"https://gw.example/{KEY}/v1")


@path("config: key in an invalid base URL", ConfigurationError, says="contains the API key")
async def _(rig: Rig) -> object:
    return rig.cls(api_key=KEY, base_url=f"https://gw.example:{KEY}/v1")


@path("config: other credentials in the base URL", ConfigurationError, says="must not contain credentials")
async def _(rig: Rig) -> object:
    return rig.cls(api_key=KEY, base_url="https://admin:hunter2@gw.example/v1")


@path("config: credential parameter in the base URL", ConfigurationError, says="parameter 'token'")
async def _(rig: Rig) -> object:
    return rig.cls(api_key=KEY, base_url="https://gw.example/v1?token=abc123")


@path("config: invalid base URL", ConfigurationError, says="not a valid URL")
async def _(rig: Rig) -> object:
    return rig.cls(api_key=KEY, base_url="https://gw.example:abc/v1")


@path("config: plain http to another machine", ConfigurationError, says="plain http")
async def _(rig: Rig) -> object:
    return rig.cls(api_key=KEY, base_url="http://gw.example/v1")


@path("config: bad timeout", ValueError, says="timeout must be")
async def _(rig: Rig) -> object:
    return rig.cls(api_key=KEY, timeout=-1)


# Requests: each status the service answers, echoed back.

for _code, _cls, _call in [
    (400, BadRequestError, "cancel"),
    (401, AuthenticationError, "retrieve"),
    (402, APIStatusError, "retrieve"),
    (403, PermissionDeniedError, "files.retrieve"),
    (404, NotFoundError, "files.retrieve"),
    (409, ConflictError, "cancel"),
    (422, UnprocessableEntityError, "files.delete"),
    (429, RateLimitError, "retrieve"),
    (500, InternalServerError, "files.delete"),
    (503, InternalServerError, "retrieve"),
]:

    def _status(code: int, call: str) -> Run:
        async def run(rig: Rig) -> object:
            client = rig.client(f"status-{code}")
            if call == "retrieve":
                return await rig.call(client.batches.retrieve("batch_1"))
            if call == "cancel":
                return await rig.call(client.batches.cancel("batch_1"))
            if call == "files.retrieve":
                return await rig.call(client.files.retrieve("file-1"))
            return await rig.call(client.files.delete("file-1"))

        return run

    path(f"request: {_call} answered {_code}", _cls, status=_code, request_id=True, has_request=True)(
        _status(_code, _call)
    )


@path("request: list batches, first page 401", AuthenticationError, status=401, request_id=True, has_request=True)
async def _(rig: Rig) -> object:
    return await rig.collect(await rig.call(rig.client("status-401").batches.list(limit=5)))


@path("request: list files, first page 401", AuthenticationError, status=401, request_id=True, has_request=True)
async def _(rig: Rig) -> object:
    return await rig.collect(await rig.call(rig.client("status-401").files.list(purpose="batch")))


@path("request: list repeats its cursor", APIResponseValidationError, says="stopping instead of looping")
async def _(rig: Rig) -> object:
    return await rig.collect(rig.client("repeat-page").batches.list(after="batch_7"))


@path("request: retrieve answered 200 with no JSON", APIResponseValidationError, request_id=True, has_request=True)
async def _(rig: Rig) -> object:
    return await rig.call(rig.client("garbage-200").batches.retrieve("batch_1"))


@path("request: retrieve answered 202", APIResponseValidationError, request_id=True, has_request=True)
async def _(rig: Rig) -> object:
    return await rig.call(rig.client("garbage-202").batches.retrieve("batch_1"))


@path("request: files.retrieve answered the wrong shape", APIResponseValidationError, has_request=True)
async def _(rig: Rig) -> object:
    return await rig.call(rig.client("shape-200").files.retrieve("file-1"))


@path("request: files.delete answered the wrong shape", APIResponseValidationError, has_request=True)
async def _(rig: Rig) -> object:
    return await rig.call(rig.client("shape-200").files.delete("file-1"))


@path("request: connection dropped", APIConnectionError, has_request=True, says="RemoteProtocolError")
async def _(rig: Rig) -> object:
    return await rig.call(rig.client("drop").batches.retrieve("batch_1"))


@path("request: connection refused", APIConnectionError, has_request=True, says="ConnectError")
async def _(rig: Rig) -> object:
    return await rig.call(rig._build(base_url=f"http://127.0.0.1:{closed_port()}/v1").batches.retrieve("batch_1"))


@path("request: read timeout", APITimeoutError, has_request=True, says="ReadTimeout")
async def _(rig: Rig) -> object:
    return await rig.call(rig.mock_client(httpx.ReadTimeout).batches.retrieve("batch_1"))


@path("request: connect error quoting the headers", APIConnectionError, has_request=True, says="<redacted>")
async def _(rig: Rig) -> object:
    return await rig.call(rig.mock_client(httpx.ConnectError).files.list())


# Creates and uploads: the duplicate-safe flows, with their retries and look-ups.


@path("create: answered 400", BadRequestError, status=400, request_id=True, has_request=True)
async def _(rig: Rig) -> object:
    return await rig.call(rig.client("status-400").batches.create(input_file_id="file-1", endpoint="/v1/embeddings"))


@path("create: answered 429 twice", RateLimitError, status=429, request_id=True, has_request=True)
async def _(rig: Rig) -> object:
    return await rig.call(rig.client("status-429").batches.create(input_file_id="file-1", endpoint="/v1/embeddings"))


@path("create: answered 503, look-ups fail too", APIConnectionError, says="outcome unknown")
async def _(rig: Rig) -> object:
    return await rig.call(rig.client("status-503").batches.create(input_file_id="file-1", endpoint="/v1/embeddings"))


@path("create: connection dropped", APIConnectionError, says="outcome unknown")
async def _(rig: Rig) -> object:
    return await rig.call(rig.client("drop").batches.create(input_file_id="file-1", endpoint="/v1/embeddings"))


@path("create: read timeout", APIConnectionError, says="outcome unknown")
async def _(rig: Rig) -> object:
    client = rig.mock_client(httpx.ReadTimeout, max_retries=0)
    return await rig.call(client.batches.create(input_file_id="file-1", endpoint="/v1/embeddings"))


@path("create: answered 200 with no JSON", APIResponseValidationError, request_id=True, has_request=True)
async def _(rig: Rig) -> object:
    client = rig.client("garbage-200")
    return await rig.call(client.batches.create(input_file_id="file-1", endpoint="/v1/embeddings"))


@path("upload: answered 401", AuthenticationError, status=401, request_id=True, has_request=True)
async def _(rig: Rig) -> object:
    return await rig.call(rig.client("status-401").files.create(file=io.BytesIO(b"{}\n"), purpose="batch"))


@path("upload: answered 503, look-ups fail too", APIConnectionError, says="outcome unknown")
async def _(rig: Rig) -> object:
    return await rig.call(rig.client("status-503").files.create(file=io.BytesIO(b"{}\n"), purpose="batch"))


@path("upload: answered 200 with no JSON", APIResponseValidationError, request_id=True, has_request=True)
async def _(rig: Rig) -> object:
    path = rig.input_file([chat_line("a")])
    return await rig.call(rig.client("garbage-200").files.create(file=path, purpose="batch"))


@path("upload: connect timeout twice", APITimeoutError, has_request=True, says="ConnectTimeout")
async def _(rig: Rig) -> object:
    return await rig.call(rig.mock_client(httpx.ConnectTimeout).files.create(file=io.BytesIO(b"{}\n"), purpose="batch"))


# Downloads: streamed content, its status errors, a body cut off midway.


@path("download: lines answered 404", NotFoundError, status=404, request_id=True, has_request=True)
async def _(rig: Rig) -> object:
    return await rig.lines(rig.client("status-404").files.content("file-1"))


@path("download: write_to answered 500", InternalServerError, status=500, request_id=True, has_request=True)
async def _(rig: Rig) -> object:
    return await rig.call(rig.client("status-500").files.content("file-1").write_to(rig.tmp / "out.jsonl"))


@path("download: write_to cut off midway", APIConnectionError, has_request=True, says="RemoteProtocolError")
async def _(rig: Rig) -> object:
    return await rig.call(rig.client("cut").files.content("file-1").write_to(rig.tmp / "out.jsonl"))


@path("download: blank file id", ValueError, says="file_id")
async def _(rig: Rig) -> object:
    return rig.client("status-404").files.content(" ")


@path("download: read timeout", APITimeoutError, has_request=True)
async def _(rig: Rig) -> object:
    return await rig.lines(rig.mock_client(httpx.ReadTimeout).files.content("file-1"))


# Jobs: waiting, validating and submitting through the workflow layer (sync client).


@path("wait: polls answered 401", AuthenticationError, status=401, request_id=True, has_request=True)
async def _(rig: Rig) -> object:
    return await rig.call(rig.client("status-401").batches.wait("batch_1", progress=None))


@path("wait: deadline passed", BatchWaitTimeout, says="gave up waiting", modes=("sync",))
async def _(rig: Rig) -> object:
    clock = iter(range(0, 10_000, 100))
    client = rig.client("in-progress")
    return client.batches.wait("batch_1", timeout=150, progress=None, sleep=lambda s: None, clock=lambda: next(clock))


@path("job: input breaks a rule", InputValidationError, says="line", modes=("sync",))
async def _(rig: Rig) -> object:
    bad = rig.input_file([chat_line("same"), chat_line("same")])
    return Job.submit(rig.client("status-500"), bad, state=rig.tmp / "jobs.sqlite")


@path("job: upload answered 401", AuthenticationError, status=401, request_id=True, has_request=True, modes=("sync",))
async def _(rig: Rig) -> object:
    good = rig.input_file([chat_line("a"), chat_line("b")])
    return Job.submit(rig.client("status-401"), good, state=rig.tmp / "jobs.sqlite")


@path("job: input file missing", JobError, says="does not exist", modes=("sync",))
async def _(rig: Rig) -> object:
    return Job.submit(rig.client("status-500"), rig.tmp / "missing.jsonl", state=rig.tmp / "jobs.sqlite")


@path("job: resumed with other options", JobConflictError, says="other options", modes=("sync",))
async def _(rig: Rig) -> object:
    good = rig.input_file([chat_line("a"), chat_line("b")])
    client = rig.client("status-500")
    # Recorded (nothing sent), then asked for again with another shard limit.
    Job.prepare(client, good, state=rig.tmp / "jobs.sqlite").close()
    return Job.prepare(client, good, state=rig.tmp / "jobs.sqlite", limits=BatchLimits(max_requests=1))


@path("job: over its max_cost", BudgetExceededError, says="nothing was uploaded", modes=("sync",))
async def _(rig: Rig) -> object:
    good = rig.input_file([chat_line("a"), chat_line("b")])
    return Job.submit(rig.client("status-500"), good, state=rig.tmp / "jobs.sqlite", max_cost=0.0)


@path("job: unknown job id", JobNotFoundError, says="no job", modes=("sync",))
async def _(rig: Rig) -> object:
    return Job.open(rig.client("status-500"), "job_0123456789abcdef", state=rig.tmp / "jobs.sqlite")


# The command line: the error it caught is re-raised as it was when `main` reported it.


def cli(exit_code: int, *argv: str, base_url: Callable[[Rig], str] | None = None) -> Run:
    """The command ``openai-batch --json <argv[1:]>`` with the echo scenario argv[0] (or `base_url(rig)`).

    The environment is built inline, so no local of this frame holds the key.
    """

    async def run(rig: Rig) -> object:
        from openai_batch import cli as cli_package
        from openai_batch.cli import _output

        caught: list[BaseException] = []

        def record(message: str) -> None:
            caught.append(sys.exc_info()[1] or AssertionError(f"error() outside an except block: {message}"))

        with (
            mock.patch.dict(
                os.environ, {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": (base_url or _scenario(argv[0]))(rig)}
            ),
            mock.patch.object(_output, "error", record),
        ):
            args = [a.replace("{tmp}", str(rig.tmp)) for a in argv[1:]]
            code = cli_package.main(["--json", "--state", str(rig.tmp / "jobs.sqlite"), *args])
        assert code == exit_code, f"exit code {code}, wanted {exit_code}"
        assert caught, "the command reported no error"
        raise caught[0]

    return run


path("cli: status answered 401", AuthenticationError, status=401, request_id=True, has_request=True, modes=("sync",))(
    cli(3, "status-401", "status", "batch_1")
)
path("cli: list answered 403", PermissionDeniedError, status=403, request_id=True, has_request=True, modes=("sync",))(
    cli(3, "status-403", "list")  # a status the client does not retry: the command line sleeps for real
)
path("cli: download answered 404", NotFoundError, status=404, request_id=True, has_request=True, modes=("sync",))(
    cli(2, "status-404", "files", "download", "file-1", "--out", "{tmp}/out.jsonl")  # an unknown id: exit 2
)
path("cli: key inside OPENAI_BASE_URL", ConfigurationError, says="contains the API key", modes=("sync",))(
    cli(2, "unused", "list", base_url=lambda rig: f"https://gw.example/v1?key={KEY}")
)


def _scenario(name: str) -> Callable[[Rig], str]:
    return lambda rig: rig.url(name)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released): connecting is refused at once."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- running a path and inspecting what it raised ------------------------------------------------


def find(name: str) -> ErrorPath:
    return next(p for p in PATHS if p.name == name)


async def raise_path(error_path: ErrorPath, mode: str, echo_port: int) -> BaseException:
    """Run the path and return what it raised (AssertionError if it raised nothing)."""
    with tempfile.TemporaryDirectory() as tmp:
        rig = Rig(mode, echo_port, Path(tmp))
        try:
            await error_path.run(rig)
        except Exception as exc:
            return exc
        finally:
            with contextlib.suppress(Exception):
                await rig.close()
    raise AssertionError(f"{error_path.name} ({mode}) raised nothing")


def raised(error_path: ErrorPath, mode: str, echo_port: int) -> BaseException:
    return anyio.run(raise_path, error_path, mode, echo_port)


def raise_in_worker(name: str, mode: str, echo_port: int, record: str) -> None:
    """Process-pool entry point: raise the path's error in this process, after writing its fields to `record`."""
    exc = raised(find(name), mode, echo_port)
    Path(record).write_text(json.dumps(fields(exc)))
    raise exc


def fields(exc: BaseException) -> dict[str, str]:
    """What a receiver of the error relies on, as comparable text."""
    out = {"type": f"{type(exc).__module__}.{type(exc).__qualname__}", "str": str(exc), "args": repr(exc.args)}
    for name in ("message", "operation", "status_code", "request_id", "body", "code", "param", "type"):
        if name in vars(exc):
            out[name] = repr(vars(exc)[name])
    for name in ("outcome_unknown", "batch_ids", "status", "waited"):
        if name in vars(exc):
            out[name] = repr(vars(exc)[name])
    request = vars(exc).get("request")
    if isinstance(request, httpx.Request):
        out["request"] = repr((request.method, str(request.url), request.headers.multi_items(), request.content))
    response = vars(exc).get("response")
    if isinstance(response, httpx.Response):
        out["response"] = repr((response.status_code, response.headers.multi_items(), response.content))
    return out


def chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and every cause and context behind it, shown or suppressed."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo += [item.__cause__, item.__context__]


def stack_locals(exc: BaseException) -> Iterator[tuple[str, str, Any]]:
    """(function, name, value) for each local variable of each frame on the traceback of the chain."""
    for item in chain(exc):
        for frame, _ in _walk(item.__traceback__):
            for name, value in frame.f_locals.items():
                yield frame.f_code.co_name, name, value


def _walk(tb: types.TracebackType | None) -> Iterator[tuple[types.FrameType, int]]:
    while tb is not None:
        yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next


# --- "only the Secret holds the key": a walk of the object graph ----------------------------------


def key_holders(root: object, *, limit: int = 300_000) -> list[str]:
    """Where the key is reachable from `root` in clear (str or bytes), other than inside a `Secret`.

    Follows object references (`gc.get_referents`); for frames, their local variables; for
    functions, their closures and defaults. Does not follow modules, classes, module globals
    or a frame's caller, so the walk stays on what `root` itself keeps alive.
    """
    skip = {id(m.__dict__) for m in list(sys.modules.values()) if m is not None}
    seen: set[int] = set()
    found: list[str] = []
    todo: list[tuple[object, str]] = [(root, type(root).__name__)]
    while todo and len(seen) < limit:
        obj, where = todo.pop()
        if id(obj) in seen or id(obj) in skip:
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            if KEY in obj:
                found.append(where)
            continue
        if isinstance(obj, bytes | bytearray | memoryview):
            if KEY_BYTES in bytes(obj):
                found.append(where)
            continue
        if isinstance(obj, Secret | type | types.ModuleType | types.CodeType):
            continue
        if isinstance(obj, types.FrameType):
            children: list[tuple[object, str]] = [
                (v, f"{where}<{obj.f_code.co_name}>.{k}") for k, v in obj.f_locals.items()
            ]
        elif isinstance(obj, types.FunctionType):
            cells = [c.cell_contents for c in obj.__closure__ or () if _has_contents(c)]
            children = [(v, f"{where}.closure") for v in [*cells, *(obj.__defaults__ or ())]]
        elif isinstance(obj, dict):
            children = [(v, f"{where}[{k!r}]") for k, v in obj.items()] + [(k, f"{where}.key") for k in obj]
        else:
            children = [(child, f"{where}>{type(child).__name__}") for child in gc.get_referents(obj)]
        todo += children
    assert not todo, f"the walk stopped after {limit} objects: raise the limit, or it proves nothing"
    return found


def _has_contents(cell: types.CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True
