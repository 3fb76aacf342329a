"""The HTTP surface: Starlette routes under /v1 for Files, Batches and the admin API.

Every response, errors included, carries an `x-request-id` ("req_<hex>"); errors use the
service's body {"error": {"message", "type", "param", "code"}}.

Admin API (not part of openapi.yaml; for tests and demos):
  GET    /v1/_admin/faults                      active fault rules, token_limit_batches, limits, line failures
  POST   /v1/_admin/faults                      {"rules": [...], "token_limit_batches": N, "replace": false}
                                                and any of the ServerOptions fields
                                                enqueued_token_limit, enqueued_token_limits {model: N},
                                                token_limit_mode ("fail" | "reject"),
                                                fail_custom_id_pattern, fail_rate, fail_status_code, fail_times
  DELETE /v1/_admin/faults                      remove every fault rule; limits and line failures go
                                                back to the server's start-up options
  GET    /v1/_admin/clock                       {"now": simulated unix time, "speed": factor}
  POST   /v1/_admin/clock                       {"speed": S} and/or {"advance": simulated seconds}
  POST   /v1/_admin/tick                        run the processing loop once, now
  POST   /v1/_admin/batches/{batch_id}/expire   end the batch as expired now
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .clock import Clock
from .errors import ApiError, bad_request, error_body
from .faults import ADMIN_PREFIX, FaultInjector, FaultMiddleware
from .files import FileService
from .ids import new_request_id
from .lifecycle import BatchEngine
from .limits import LINE_FAILURE_FIELDS, TOKEN_LIMIT_FIELDS
from .options import ServerOptions
from .params import parse_expires_after, parse_limit, parse_order
from .store import Store
from .webhooks import WebhookSender

logger = logging.getLogger(__name__)

_UPLOAD_FIELDS = frozenset({"file", "purpose", "expires_after[anchor]", "expires_after[seconds]"})


@dataclasses.dataclass
class ServerState:
    """Everything the routes and the processing loop share."""

    store: Store
    clock: Clock
    options: ServerOptions
    files: FileService
    engine: BatchEngine
    faults: FaultInjector
    # Sends the signed batch events when the server was given a webhook URL.
    webhooks: WebhookSender | None = None

    def close(self) -> None:
        """Stop the webhook sender (what is due goes out first), then close the store."""
        if self.webhooks is not None:
            self.webhooks.close()
        self.store.close()


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=headers)


def _error_response(error: ApiError) -> JSONResponse:
    return _json(error.body(), error.status, error.headers)


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_request(
            "We could not parse the JSON body of your request. The body must be valid JSON "
            "(set the Content-Type header to application/json)."
        ) from None


def _routes(state: ServerState) -> list[Route]:
    files, engine = state.files, state.engine

    async def create_file(request: Request) -> Response:
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise bad_request("The file upload must be sent as multipart/form-data.")
        try:
            form_context = request.form(max_files=1, max_fields=16)
            async with form_context as form:
                unknown = sorted(set(form.keys()) - _UPLOAD_FIELDS)
                if unknown:
                    raise bad_request(f"Unrecognized request argument supplied: {unknown[0]}", param=unknown[0])
                upload = form.get("file")
                purpose = form.get("purpose")
                if upload is None:
                    raise bad_request(
                        "Missing required parameter: 'file'.", param="file", code="missing_required_parameter"
                    )
                if not isinstance(upload, UploadFile):
                    raise bad_request("'file' must be a file upload, not a text field.", param="file")
                if purpose is None:
                    raise bad_request(
                        "Missing required parameter: 'purpose'.", param="purpose", code="missing_required_parameter"
                    )
                expires_after = parse_expires_after(
                    form.get("expires_after[anchor]"), form.get("expires_after[seconds]"), param="expires_after"
                )
                record = await run_in_threadpool(
                    files.create,
                    upload.file,
                    filename=upload.filename or "upload",
                    purpose=str(purpose),
                    expires_after=expires_after,
                )
        except MultiPartException as exc:
            raise bad_request(f"The multipart body could not be parsed: {exc.message}") from None
        return _json(record.to_json())

    async def list_files(request: Request) -> Response:
        query = request.query_params
        page = await run_in_threadpool(
            files.list,
            purpose=query.get("purpose"),
            limit=parse_limit(query.get("limit"), low=1, high=10_000, default=10_000),
            ascending=parse_order(query.get("order")),
            after=query.get("after"),
        )
        return _json(page)

    async def retrieve_file(request: Request) -> Response:
        record = await run_in_threadpool(files.retrieve, request.path_params["file_id"])
        return _json(record.to_json())

    async def delete_file(request: Request) -> Response:
        return _json(await run_in_threadpool(files.delete, request.path_params["file_id"]))

    async def file_content(request: Request) -> Response:
        path = await run_in_threadpool(files.content_path, request.path_params["file_id"])
        # Streamed from disk in chunks; never read whole into memory.
        return FileResponse(path, media_type="application/octet-stream")

    async def create_batch(request: Request) -> Response:
        body = await _json_body(request)
        record = await run_in_threadpool(engine.create, body)
        return _json(record.to_json())

    async def list_batches(request: Request) -> Response:
        query = request.query_params
        limit = parse_limit(query.get("limit"), low=1, high=100, default=20)
        return _json(await run_in_threadpool(engine.list, after=query.get("after"), limit=limit))

    async def retrieve_batch(request: Request) -> Response:
        record = await run_in_threadpool(engine.retrieve, request.path_params["batch_id"])
        return _json(record.to_json())

    async def cancel_batch(request: Request) -> Response:
        record = await run_in_threadpool(engine.cancel, request.path_params["batch_id"])
        return _json(record.to_json())

    # Admin

    def faults_json() -> dict[str, Any]:
        return {**state.faults.snapshot(), **engine.token_limits.to_json(), **engine.line_failures.to_json()}

    async def get_faults(request: Request) -> Response:
        return _json(faults_json())

    async def post_faults(request: Request) -> Response:
        body = await _json_body(request)
        if not isinstance(body, dict):
            raise bad_request("The body must be a JSON object.")
        try:
            if body.get("replace"):
                state.faults.clear()
            rules = body.get("rules", [])
            if not isinstance(rules, list):
                raise ValueError("'rules' must be a list of rule objects")
            state.faults.add(rules)
            if "token_limit_batches" in body:
                state.faults.set_token_limit_batches(body["token_limit_batches"])
        except (ValueError, TypeError) as exc:
            raise bad_request(f"Invalid fault: {exc}", param="rules") from None
        try:
            state.faults.configure(body, limits=state.options.token_limits, failures=state.options.line_failures)
        except (ValueError, TypeError) as exc:
            changed = sorted((TOKEN_LIMIT_FIELDS | LINE_FAILURE_FIELDS) & body.keys())
            raise bad_request(f"Invalid setting: {exc}", param=changed[0] if len(changed) == 1 else None) from None
        return _json(faults_json())

    async def delete_faults(request: Request) -> Response:
        state.faults.clear()
        return _json(faults_json())

    async def clock(request: Request) -> Response:
        if request.method == "POST":
            body = await _json_body(request)
            if not isinstance(body, dict):
                raise bad_request("The body must be a JSON object.")
            try:
                if "speed" in body:
                    state.clock.set_speed(float(body["speed"]))
                if "advance" in body:
                    state.clock.advance(float(body["advance"]))
            except (ValueError, TypeError) as exc:
                raise bad_request(f"Invalid clock change: {exc}") from None
        return _json({"now": state.clock.now(), "speed": state.clock.speed})

    async def tick(request: Request) -> Response:
        await run_in_threadpool(engine.tick)
        return _json({"now": state.clock.now()})

    async def expire_batch(request: Request) -> Response:
        record = await run_in_threadpool(engine.expire_now, request.path_params["batch_id"])
        return _json(record.to_json())

    return [
        Route("/v1/files", create_file, methods=["POST"]),
        Route("/v1/files", list_files, methods=["GET"]),
        Route("/v1/files/{file_id}", retrieve_file, methods=["GET"]),
        Route("/v1/files/{file_id}", delete_file, methods=["DELETE"]),
        Route("/v1/files/{file_id}/content", file_content, methods=["GET"]),
        Route("/v1/batches", create_batch, methods=["POST"]),
        Route("/v1/batches", list_batches, methods=["GET"]),
        Route("/v1/batches/{batch_id}", retrieve_batch, methods=["GET"]),
        Route("/v1/batches/{batch_id}/cancel", cancel_batch, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/faults", get_faults, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/faults", post_faults, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/faults", delete_faults, methods=["DELETE"]),
        Route(f"{ADMIN_PREFIX}/clock", clock, methods=["GET", "POST"]),
        Route(f"{ADMIN_PREFIX}/tick", tick, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/batches/{{batch_id}}/expire", expire_batch, methods=["POST"]),
    ]


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"Invalid URL ({request.method} {request.url.path})"
    elif exc.status_code == 405:
        message = f"Method not allowed ({request.method} {request.url.path})"
    else:
        message = str(exc.detail)
    return _json(error_body(message), exc.status_code, dict(exc.headers or {}))


async def _server_error(request: Request, exc: Exception) -> Response:
    return _json(
        error_body("The server had an error while processing your request. Sorry about that!", type="server_error"),
        500,
    )


class AuthMiddleware:
    """Bearer auth: any non-empty token, or exactly `required_api_key` when that option is set."""

    def __init__(self, app: ASGIApp, required_api_key: str | None) -> None:
        self._app = app
        self._required = required_api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        header = Request(scope).headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            error = ApiError(
                401,
                "You didn't provide an API key. You need to provide your API key in an Authorization header "
                "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        elif self._required is not None and not hmac.compare_digest(token.encode(), self._required.encode()):
            # The key is never echoed back, not even masked.
            error = ApiError(401, "Incorrect API key provided.", code="invalid_api_key")
        else:
            await self._app(scope, receive, send)
            return
        await _error_response(error)(scope, receive, send)


class RequestIdMiddleware:
    """Outermost layer: stamps every response, including errors and faults, with x-request-id."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        request_id = new_request_id().encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", request_id)]}
            await send(message)

        await self._app(scope, receive, send_with_id)


def create_app(state: ServerState) -> ASGIApp:
    """The ASGI application serving `state`."""
    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        ApiError: _api_error,
        HTTPException: _http_error,
        Exception: _server_error,
    }
    app = Starlette(routes=_routes(state), exception_handlers=handlers)
    inner: ASGIApp = AuthMiddleware(app, state.options.required_api_key)
    if state.options.provider is not None:
        from ..providers import get_profile
        from .providers import ProviderFront

        inner = ProviderFront(inner, get_profile(state.options.provider), state, quirks=state.options.provider_quirks)
    return RequestIdMiddleware(FaultMiddleware(inner, state.faults))
