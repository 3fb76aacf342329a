"""Every error the client raises, and the mapping from an HTTP status to its class.

Our exception hierarchy::

    OpenAIBatchError                    base of everything raised here
    ├── ConfigurationError              no API key, or the key would travel over plain http
    ├── WorkflowError                   a job-level problem (openai_batch.workflow)
    │   ├── InputValidationError        the input file breaks a Batch API rule (lists each line)
    │   ├── BatchWaitTimeout            waiting passed its deadline (names the batches)
    │   └── JobError                    a recorded job cannot go on
    │       ├── JobNotFoundError        no job or batch with this id in the state file
    │       ├── JobConflictError        resuming with other options, origin or input than the job's
    │       └── BudgetExceededError     max_cost: the upper cost estimate is over it, or unknown
    └── APIError                        a call to the API failed (.operation, .request)
        ├── APIConnectionError          no usable response: refused, reset, DNS, TLS ...
        │   └── APITimeoutError         connect/read/write/pool timeout
        ├── APIStatusError              the server answered with a 4xx/5xx status
        │   ├── BadRequestError             400
        │   ├── AuthenticationError         401
        │   ├── PermissionDeniedError       403
        │   ├── NotFoundError               404
        │   ├── ConflictError               409
        │   ├── UnprocessableEntityError    422
        │   ├── RateLimitError              429
        │   └── InternalServerError         >= 500
        └── APIResponseValidationError  2xx whose body does not parse into the expected model

An `APIStatusError` whose status has no class of its own (402, 405, 408, 410 ...) is raised
as `APIStatusError` itself. Every `APIError` carries `request_id` (the `x-request-id`
response header) when there was a response, so a support ticket can quote it.

No exception here carries the API key. Each `APIError` cleans what it is given before
storing it (`_redact`): the attached request and response are copies whose credential
headers are replaced and in which every credential the request carried (and the client's
key, when the builder knows it) is replaced in the URL, the headers, the body and the
message. The client also scrubs each exception (`_scrub`) again before it leaves a call,
and wraps httpx errors without chaining them (an httpx error's text can quote a URL or header).

Every exception pickles (`__reduce__` below): its type, message, status, request id, body,
request and response survive a trip to another process, for process pools and task queues.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._redact import Redactor

if TYPE_CHECKING:
    import httpx

    from ._secret import Secret

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "OpenAIBatchError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
    "status_error_class",
]


class OpenAIBatchError(Exception):
    """Base class of every exception raised by `openai_batch`.

    >>> try:
    ...     client.batches.retrieve("batch_missing")
    ... except OpenAIBatchError as exc:
    ...     print(exc)
    """

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def _scrub(self, secret: Secret) -> None:
        """Remove the API key from every text this exception carries (in place)."""
        self.message = secret.scrub(self.message)
        self.args = tuple(secret.scrub(a) if isinstance(a, str) else a for a in self.args)

    def __reduce__(self) -> tuple[Any, ...]:
        # The default rebuilds with `cls(*args)`, which fails for keyword-only constructors
        # (a process pool then reports BrokenProcessPool instead of the error): restore the
        # attributes instead of calling __init__ again.
        return (_restore, (type(self), self.args), self.__dict__)


def _restore(cls: type[OpenAIBatchError], args: tuple[Any, ...]) -> OpenAIBatchError:
    exc = cls.__new__(cls, *args)
    exc.args = args  # OSError subclasses (TimeoutError) leave args to __init__, which is not run
    return exc


class ConfigurationError(OpenAIBatchError):
    """The client cannot be built as asked: no API key, a bad base URL, or plain http to a remote host."""


class APIError(OpenAIBatchError):
    """A call to the API did not produce the expected result.

    `operation` is the OpenAPI operation id (e.g. ``"retrieveBatch"``); `request` a copy of
    the httpx request when one was built, with its credentials replaced. `secret`, when
    given, is also removed from the message, request and body.

    >>> try:
    ...     client.files.retrieve("file-missing")
    ... except APIError as exc:
    ...     print(exc.operation, exc.request_id)
    """

    operation: str
    request: httpx.Request | None
    request_id: str | None
    body: object

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        request: httpx.Request | None = None,
        body: object = None,
        request_id: str | None = None,
        secret: Secret | None = None,
    ) -> None:
        redactor = Redactor.of(secret, request)
        super().__init__(redactor.text(message))
        self.operation = operation
        self.request = redactor.request(request) if request is not None else None
        self.body = redactor.obj(body)
        self.request_id = request_id

    def _scrub(self, secret: Secret) -> None:
        super()._scrub(secret)
        redactor = Redactor.of(secret)
        self.body = redactor.obj(self.body)
        if self.request is not None:
            self.request = redactor.request(self.request)


class APIConnectionError(APIError):
    """No usable HTTP response: connection refused or reset, DNS or TLS failure, protocol error.

    `outcome_unknown` is True when the request may have reached the server before the
    failure (a read timeout, a dropped connection), so a non-idempotent call may have
    taken effect. `unreachable` is True when no connection could be opened at all (refused,
    or the host name did not resolve): nothing reached the server, and the address is
    wrong or nothing listens there.
    """

    outcome_unknown: bool
    unreachable: bool

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        request: httpx.Request | None = None,
        outcome_unknown: bool = False,
        unreachable: bool = False,
        secret: Secret | None = None,
    ) -> None:
        super().__init__(message, operation=operation, request=request, secret=secret)
        self.outcome_unknown = outcome_unknown
        self.unreachable = unreachable


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write or waiting for a pooled connection)."""


class APIStatusError(APIError):
    """The server answered with an error status.

    Attributes: `status_code`, `request_id` (``x-request-id``), `body` (the parsed JSON
    body, or its text when it is not JSON), and from the OpenAI error object
    ``{"error": {"message", "type", "param", "code"}}``: `message`, `type`, `param`, `code`;
    `response` is a copy of the httpx response (read body, cleaned like `request`).

    >>> try:
    ...     client.batches.retrieve("batch_missing")
    ... except NotFoundError as exc:
    ...     print(exc.status_code, exc.code, exc.request_id)
    """

    status_code: int
    response: httpx.Response
    code: str | None
    param: str | None
    type: str | None

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        response: httpx.Response,
        body: object,
        code: str | None = None,
        param: str | None = None,
        type: str | None = None,
        secret: Secret | None = None,
    ) -> None:
        request = _request_of(response)
        super().__init__(
            message,
            operation=operation,
            request=request,
            body=body,
            request_id=response.headers.get("x-request-id"),
            secret=secret,
        )
        redactor = Redactor.of(secret, request)
        self.status_code = response.status_code
        self.response = redactor.response(response, self.request)
        self.code, self.param, self.type = (None if v is None else redactor.text(v) for v in (code, param, type))

    def _scrub(self, secret: Secret) -> None:
        super()._scrub(secret)
        self.response = Redactor.of(secret).response(self.response, self.request)
        for name in ("code", "param", "type"):
            value = getattr(self, name)
            if isinstance(value, str):
                setattr(self, name, secret.scrub(value))


class BadRequestError(APIStatusError):
    """400: the request was malformed or invalid (e.g. a bad input file)."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this resource (organization, project or region)."""


class NotFoundError(APIStatusError):
    """404: no such batch or file (or not visible to this key's project)."""


class ConflictError(APIStatusError):
    """409: the resource is in a state that does not allow the operation."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but semantically invalid."""


class RateLimitError(APIStatusError):
    """429: too many requests, or the batch queue limit (enqueued tokens) is reached."""


class InternalServerError(APIStatusError):
    """5xx: the service failed; retried automatically before this is raised."""


class APIResponseValidationError(APIError):
    """A success response whose body does not parse into the expected model.

    `operation` names the call (e.g. ``"retrieveBatch"``), `body` holds the raw bytes,
    `status_code` the HTTP status. Raised instead of ever returning ``None``.
    """

    status_code: int
    response: httpx.Response | None

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        body: bytes,
        status_code: int,
        response: httpx.Response | None = None,
        secret: Secret | None = None,
    ) -> None:
        request = _request_of(response) if response is not None else None
        super().__init__(
            message,
            operation=operation,
            request=request,
            body=body,
            request_id=response.headers.get("x-request-id") if response is not None else None,
            secret=secret,
        )
        self.status_code = status_code
        self.response = Redactor.of(secret, request).response(response, self.request) if response is not None else None

    def _scrub(self, secret: Secret) -> None:
        super()._scrub(secret)
        if self.response is not None:
            self.response = Redactor.of(secret).response(self.response, self.request)


_STATUS_CLASSES: Mapping[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The exception class for an error status: 404 -> NotFoundError, 503 -> InternalServerError."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_CLASSES.get(status_code, APIStatusError)


def _request_of(response: httpx.Response) -> httpx.Request | None:
    # A response rebuilt from a generated `Response` has no request attached;
    # httpx raises instead of returning None in that case.
    try:
        return response.request
    except RuntimeError:
        return None


def _text_field(error: Mapping[str, Any], key: str) -> str | None:
    value = error.get(key)
    return None if value is None else str(value)


def make_status_error(operation: str, response: httpx.Response, secret: Secret | None = None) -> APIStatusError:
    """Build the exception for an error response whose body has been read.

    Parses the OpenAI error object when present; otherwise keeps the body text. The body is
    cleaned of credentials (see `_redact`) before it is parsed.
    """
    content = Redactor.of(secret, _request_of(response)).data(response.content)
    body: object
    try:
        body = json.loads(content) if content else None
    except ValueError:
        body = content.decode("utf-8", errors="replace")
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        detail = _text_field(error, "message") or "no message"
        code, param, type_ = _text_field(error, "code"), _text_field(error, "param"), _text_field(error, "type")
    else:
        detail = body[:200] if isinstance(body, str) and body else (response.reason_phrase or "no body")
        code = param = type_ = None
    request_id = response.headers.get("x-request-id")
    suffix = f" (request id {request_id})" if request_id else ""
    message = f"{operation}: HTTP {response.status_code}: {detail}{suffix}"
    cls = status_error_class(response.status_code)
    return cls(
        message, operation=operation, response=response, body=body, code=code, param=param, type=type_, secret=secret
    )
