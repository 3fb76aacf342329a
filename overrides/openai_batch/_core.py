"""One implementation of every call, driven by a thin sync or async runner (sans-IO).

Each public operation is written once, as a *flow*: a generator that yields I/O steps
and receives their results, the same shape as `httpx.Auth.auth_flow`::

    def retrieve(batch_id):                       # a flow
        response = yield GeneratedCall(...)       # the runner does the I/O
        return expect_parsed("retrieveBatch", response)

`SyncRuntime.run` executes the steps with the sync generated functions, `httpx.Client`
and `sleep`; `AsyncRuntime.run` awaits the async ones. Most operations are a single
request whose JSON body we parse (`single_json`); `request` runs exactly that flow without
the generator machinery, since it sits on the path of every retrieve, cancel and page. A failed step is thrown back
into the flow (`generator.throw`), so recovery logic such as "on a timeout, look for
the batch before resubmitting" is also written once. The runners are the only code
that exists twice, and they only dispatch.

The runners also own the error boundary: httpx errors become `APIConnectionError` /
`APITimeoutError` (not chained: their text can quote URLs or headers), a 200 that does
not parse becomes `APIResponseValidationError`, and every error leaving a call has the
API key scrubbed from it.

Why errors are raised *after* the ``except`` block that caught their cause: inside it the
new exception would get the cause as ``__context__`` (suppressed from printing, but still
attached, pickled by some trackers, and holding the request as sent), and the frame would
still hold the cause. An httpx error is also replaced by a cleaned copy (`_redact`)
before a flow sees it, so no frame of a flow holds the original either.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

import httpx

from ._config import as_timeout, check_max_retries
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    OpenAIBatchError,
    make_status_error,
)
from ._options import CURRENT_CALL, CallContext, current_call
from ._redact import Redactor
from ._retry import Outcome, RetryPolicy, error_outcome
from ._secret import Secret

if TYPE_CHECKING:
    from openai_batch_api.client import AuthenticatedClient
    from openai_batch_api.types import Response

T = TypeVar("T")
R = TypeVar("R")

# Exceptions a generated model's `from_dict` raises on a body that does not match the spec.
_PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError)


@dataclass(frozen=True, slots=True)
class GeneratedCall(Generic[R]):
    """Step: call a generated endpoint function (`sync_detailed` or `asyncio_detailed`)."""

    operation: str
    sync: Callable[..., Response[R]]
    asyncio: Callable[..., Awaitable[Response[R]]]
    kwargs: dict[str, Any] = field(default_factory=dict)
    transport_retries: int | None = None  # None: the call's max_retries


@dataclass(frozen=True, slots=True)
class HttpCall:
    """Step: send a hand-built request with the shared httpx client; the result is the read response."""

    operation: str
    method: str
    url: str
    options: dict[str, Any] = field(default_factory=dict)  # build_request keyword arguments
    transport_retries: int | None = None


@dataclass(frozen=True, slots=True)
class Sleep:
    """Step: wait, with the client's injected sleep."""

    seconds: float


Step: TypeAlias = GeneratedCall[Any] | HttpCall | Sleep
Flow: TypeAlias = Generator[Step, Any, T]


def single(step: GeneratedCall[R]) -> Flow[R]:
    """The flow of a plain call: one generated call, parsed or raised."""
    response: Response[R] = yield step
    return expect_parsed(step.operation, response)


def single_json(step: HttpCall, build: Callable[[Any], R]) -> Flow[R]:
    """The flow of a plain call whose body we parse ourselves (see `generated_request`)."""
    response: httpx.Response = yield step
    return expect_json(step.operation, response, build)


def expect_parsed(operation: str, response: Response[R]) -> R:
    """The parsed model of a 200 response; otherwise the matching `APIStatusError`. Never None."""
    status = int(response.status_code)
    if status == 200 and response.parsed is not None:
        return response.parsed
    http_response = _http_response_for(response)
    if status >= 400:
        raise make_status_error(operation, http_response)
    raise APIResponseValidationError(
        f"{operation}: expected HTTP 200 with a JSON body, got HTTP {status}; see .body",
        operation=operation,
        body=response.content,
        status_code=status,
        response=http_response,
    )


def generated_request(operation: str, endpoint: Any, **kwargs: Any) -> HttpCall:
    """The request a generated endpoint module would send, as a step whose response we parse.

    Used where the generated parser is the cost (list pages, retrieve): the request is still
    the generated one (method, path, query from its `_get_kwargs`), the body goes to `expect_json`.
    """
    request: dict[str, Any] = endpoint._get_kwargs(**kwargs)
    method, url = request.pop("method"), request.pop("url")
    return HttpCall(operation, str(method).upper(), str(url), request)


def expect_json(operation: str, response: httpx.Response, build: Callable[[Any], R], secret: Secret | None = None) -> R:
    """`build` applied to a 200 response's JSON; otherwise the same errors as `expect_parsed`."""
    status = response.status_code
    if status >= 400:
        raise make_status_error(operation, response, secret)
    if status != 200:
        raise APIResponseValidationError(
            f"{operation}: expected HTTP 200 with a JSON body, got HTTP {status}; see .body",
            operation=operation,
            body=response.content,
            status_code=status,
            response=response,
            secret=secret,
        )
    try:
        return build(response.json())
    except _PARSE_ERRORS as exc:
        error = _mismatch(operation, exc, response, secret)
    raise error


def _http_response_for(response: Response[Any]) -> httpx.Response:
    # Prefer the real httpx response (it knows its request); rebuild one only if absent.
    context = current_call()
    last = context.last_response if context is not None else None
    if last is not None and last.status_code == int(response.status_code):
        return last
    return httpx.Response(int(response.status_code), headers=dict(response.headers), content=response.content)


def parse_failure(operation: str, exc: Exception, context: CallContext, secret: Secret | None = None) -> Exception:
    """Turn an exception raised while a generated function parsed its response into ours."""
    response = context.last_response
    if response is None:
        return exc  # not a parse failure: nothing came back
    if response.status_code >= 400:
        # The generated code failed before it could report the status (e.g. HTTPStatus(520)).
        return make_status_error(operation, response, secret)
    return _mismatch(operation, exc, response, secret)


def _mismatch(
    operation: str, exc: Exception, response: httpx.Response, secret: Secret | None
) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"{operation}: the response body does not match the {operation} response schema "
        f"({type(exc).__name__}: {exc}); the raw body is in .body",
        operation=operation,
        body=response.content,
        status_code=response.status_code,
        response=response,
        secret=secret,
    )


def connection_error(operation: str, exc: httpx.HTTPError, secret: Secret) -> APIConnectionError:
    """Wrap an httpx error; the key and the request's credentials are removed from its text and request."""
    cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    try:
        request: httpx.Request | None = exc.request
    except RuntimeError:
        request = None
    return cls(
        f"{operation}: {type(exc).__name__}: {secret.scrub(str(exc)) or 'no detail'}",
        operation=operation,
        request=request,
        outcome_unknown=error_outcome(exc) is Outcome.UNKNOWN,
        # httpx raises ConnectError when the connection is refused or the name does not resolve.
        unreachable=isinstance(exc, httpx.ConnectError),
        secret=secret,
    )


def boundary_error(operation: str, exc: BaseException, secret: Secret) -> BaseException:
    """What to raise for an error leaving a public call: httpx errors wrapped, ours scrubbed, others as they are.

    Returned, not raised: the caller raises it outside its ``except`` block (see the module docstring).
    """
    if isinstance(exc, httpx.HTTPError):
        return connection_error(operation, exc, secret)
    if isinstance(exc, OpenAIBatchError):
        exc._scrub(secret)
        # Our errors leave with a traceback that starts where they leave: the frames inside the
        # client (flows, parsers) held the response as received, whose request carries the key.
        # Anything else (a bug) keeps its whole traceback.
        return exc.with_traceback(None)
    return exc


def step_failure(exc: Exception, secret: Secret) -> Exception:
    """A failed step's error as a flow may see it: an httpx error becomes a cleaned copy of itself."""
    if isinstance(exc, httpx.HTTPError):
        try:
            request: httpx.Request | None = exc.request
        except RuntimeError:
            request = None
        return Redactor.of(secret, request).error(exc)
    if isinstance(exc, OpenAIBatchError):
        exc._scrub(secret)
    return exc


class _Runtime:
    """State shared by the two runners: the generated client, the key, and the retry policy."""

    def __init__(self, generated: AuthenticatedClient, secret: Secret, policy: RetryPolicy, timeout: httpx.Timeout):
        self.generated = generated
        self.secret = secret
        self.policy = policy
        self.timeout = timeout

    def context(self, timeout: float | httpx.Timeout | None, max_retries: int | None) -> CallContext:
        """The options of one call: per-call overrides, else the client's defaults."""
        if timeout is None and max_retries is None:  # the common case: nothing to validate
            return CallContext(self.timeout, self.policy.max_retries)
        return CallContext(
            timeout=self.timeout if timeout is None else as_timeout(timeout),
            max_retries=self.policy.max_retries if max_retries is None else check_max_retries(max_retries),
        )

    @staticmethod
    def _prepare(step: GeneratedCall[Any] | HttpCall, context: CallContext) -> None:
        context.transport_retries = context.max_retries if step.transport_retries is None else step.transport_retries
        context.last_response = None


class SyncRuntime(_Runtime):
    """Runs flows with blocking I/O."""

    def __init__(
        self,
        generated: AuthenticatedClient,
        secret: Secret,
        policy: RetryPolicy,
        timeout: httpx.Timeout,
        sleep: Callable[[float], None],
    ) -> None:
        super().__init__(generated, secret, policy, timeout)
        self.http = generated.get_httpx_client()
        self.sleep = sleep

    def run(self, operation: str, flow: Flow[T], context: CallContext) -> T:
        token = CURRENT_CALL.set(context)  # the transport reads the call's options from here
        try:
            step = next(flow)
            while True:
                failure: Exception | None = None
                try:
                    result = self._execute(step, context)
                except Exception as exc:
                    failure = step_failure(exc, self.secret)
                step = flow.send(result) if failure is None else flow.throw(failure)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        except Exception as exc:
            error = boundary_error(operation, exc, self.secret)
        finally:
            flow.close()
            context.last_response = None  # the response as received: its request holds the key
            CURRENT_CALL.reset(token)
        result = None  # likewise the last step's result, on this frame of the traceback
        raise error

    def request(self, step: HttpCall, build: Callable[[Any], T], context: CallContext) -> T:
        """``run(step.operation, single_json(step, build), context)``, minus the generator."""
        token = CURRENT_CALL.set(context)
        try:
            self._prepare(step, context)
            http = self.http
            # No local holds the response: this frame is on the traceback of the error it may cause.
            return expect_json(
                step.operation, http.send(http.build_request(step.method, step.url, **step.options)), build, self.secret
            )
        except Exception as exc:
            error = boundary_error(step.operation, exc, self.secret)
        finally:
            context.last_response = None  # the response as received: its request holds the key
            CURRENT_CALL.reset(token)
        raise error

    def _execute(self, step: Step, context: CallContext) -> Any:
        if isinstance(step, Sleep):
            self.sleep(step.seconds)
            return None
        self._prepare(step, context)
        if isinstance(step, HttpCall):
            request = self.http.build_request(step.method, step.url, **step.options)
            return self.http.send(request)
        try:
            return step.sync(client=self.generated, **step.kwargs)
        except _PARSE_ERRORS as exc:
            error = parse_failure(step.operation, exc, context, self.secret)
        raise error


class AsyncRuntime(_Runtime):
    """Runs the same flows with awaited I/O."""

    def __init__(
        self,
        generated: AuthenticatedClient,
        secret: Secret,
        policy: RetryPolicy,
        timeout: httpx.Timeout,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        super().__init__(generated, secret, policy, timeout)
        self.http = generated.get_async_httpx_client()
        self.sleep = sleep

    async def run(self, operation: str, flow: Flow[T], context: CallContext) -> T:
        # A ContextVar set in a coroutine is reset in the same task: `await` keeps the context.
        token = CURRENT_CALL.set(context)
        try:
            step = next(flow)
            while True:
                failure: Exception | None = None
                try:
                    result = await self._execute(step, context)
                except Exception as exc:
                    failure = step_failure(exc, self.secret)
                step = flow.send(result) if failure is None else flow.throw(failure)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        except Exception as exc:
            error = boundary_error(operation, exc, self.secret)
        finally:
            flow.close()
            context.last_response = None  # the response as received: its request holds the key
            CURRENT_CALL.reset(token)
        result = None  # likewise the last step's result, on this frame of the traceback
        raise error

    async def request(self, step: HttpCall, build: Callable[[Any], T], context: CallContext) -> T:
        """The async twin of `SyncRuntime.request`."""
        token = CURRENT_CALL.set(context)
        try:
            self._prepare(step, context)
            http = self.http
            # No local holds the response: this frame is on the traceback of the error it may cause.
            return expect_json(
                step.operation,
                await http.send(http.build_request(step.method, step.url, **step.options)),
                build,
                self.secret,
            )
        except Exception as exc:
            error = boundary_error(step.operation, exc, self.secret)
        finally:
            context.last_response = None  # the response as received: its request holds the key
            CURRENT_CALL.reset(token)
        raise error

    async def _execute(self, step: Step, context: CallContext) -> Any:
        if isinstance(step, Sleep):
            await self.sleep(step.seconds)
            return None
        self._prepare(step, context)
        if isinstance(step, HttpCall):
            request = self.http.build_request(step.method, step.url, **step.options)
            return await self.http.send(request)
        try:
            return await step.asyncio(client=self.generated, **step.kwargs)
        except _PARSE_ERRORS as exc:
            error = parse_failure(step.operation, exc, context, self.secret)
        raise error
