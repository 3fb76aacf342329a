"""The local server speaking as another service: its paths, auth header, answers and quirks.

``openai-batch serve --provider azure`` (``ServerOptions(provider="azure")``) puts `ProviderFront`
in front of the OpenAI-shaped app. Everything it does comes from the provider's profile
(``openai_batch/providers/profiles.toml``), the same data the client reads:

- each of the profile's path styles is served: ``{base_path}/files...`` and ``{base_path}/batches...``
  are the app's ``/v1/files...`` and ``/v1/batches...``. A style whose ``api_version`` is
  ``required`` answers 404 ``Resource not found`` without ``?api-version=`` (Azure's legacy
  paths); an ``undated`` one answers 400 to a dated version (Azure's v1 path);
- the key is read from the profile's header (Azure: ``api-key``), or a bearer token;
- creates answer the style's ``created_status`` (201 on Azure's legacy paths), the upload with a
  ``Location`` header when ``upload_location`` says so;
- POST /batches answers the profile's ``queue_budget`` headers (the deployment's enqueued
  tokens and its limit, from the server's enqueued-token limits);
- with ``provider_quirks`` (on by default) Files/Batches answers carry the quirks the
  profile's ``normalise`` rules undo: capitalised statuses, ISO timestamps, ``""`` file ids,
  null ``request_counts`` while validating. The client must read them; the official SDK too.
  A profile with ``content_filters`` (Azure) also gets ``prompt_filter_results`` in each output
  line's body and ``content_filter_results`` in each choice, as Azure's outputs carry them; one
  with ``empty_error_file`` names a 0-byte error file on a batch that completed without errors.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..providers import PathStyle, ProviderProfile, is_dated_version
from ..providers._normalise import BATCH_TIMES
from .faults import ADMIN_PREFIX
from .ids import new_file_id
from .store import FileRecord

if TYPE_CHECKING:
    from .app import ServerState

__all__ = ["QUIRKS", "ProviderFront"]

# The service's quirk is emulated on the very fields the client normalises back.
_TIMES: Final = BATCH_TIMES


def _capitalised(obj: dict[str, Any]) -> None:
    status = obj.get("status")
    if isinstance(status, str) and obj.get("object") == "batch":
        obj["status"] = "".join(part.capitalize() for part in status.split("_"))  # in_progress -> InProgress


def _iso(obj: dict[str, Any]) -> None:
    for name in _TIMES:
        value = obj.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            obj[name] = datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")


def _empty_ids(obj: dict[str, Any]) -> None:
    if obj.get("object") == "batch":
        for name in ("output_file_id", "error_file_id"):
            if name in obj and obj[name] is None:
                obj[name] = ""


def _null_counts(obj: dict[str, Any]) -> None:
    if obj.get("object") == "batch" and obj.get("status") == "validating":
        obj["request_counts"] = None


# The quirk the server shows for each normalisation rule a profile names (the client's rule undoes
# it). `null_endpoint` has none here: the server never runs blob-storage batches.
QUIRKS: Final[Mapping[str, Callable[[dict[str, Any]], None]]] = {
    "null_request_counts": _null_counts,  # before the status is capitalised: it reads "validating"
    "status_snake_case": _capitalised,
    "iso_timestamps": _iso,
    "empty_file_ids": _empty_ids,
}


def _error(status: int, message: str, code: str) -> tuple[int, bytes]:
    return status, json.dumps({"error": {"code": code, "message": message}}).encode()


class ProviderFront:
    """ASGI middleware that makes the OpenAI-shaped app answer as `profile`'s service.

    Example::

        app = ProviderFront(create_app(state), get_profile("azure"), state, quirks=True)
    """

    def __init__(self, app: ASGIApp, profile: ProviderProfile, state: ServerState, *, quirks: bool = True) -> None:
        self._app = app
        self._profile = profile
        self._state = state
        self._quirks = [QUIRKS[name] for name in QUIRKS if quirks and name in profile.normalise]
        self._empty_error_files = quirks and profile.empty_error_file
        # batch id -> the 0-byte error file shown for it (made once, on the first answer that needs it).
        self._error_files: dict[str, str] = {}
        self._error_files_lock = threading.Lock()
        # Longest first: "/openai/v1/files" is the v1 style, not "/openai" + "/v1/files".
        self._styles = sorted(profile.path_styles.values(), key=lambda style: len(style.base_path), reverse=True)

    def _match(self, path: str) -> tuple[PathStyle, str] | None:
        for style in self._styles:
            base = style.base_path.rstrip("/")
            rest = path[len(base) :]
            if path.startswith(base) and rest.split("/")[:2][-1] in ("files", "batches") and rest.startswith("/"):
                return style, rest
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope["type"] != "http" or path.startswith(ADMIN_PREFIX):
            await self._app(scope, receive, send)
            return
        matched = self._match(path)
        if matched is None:
            await _answer(send, *_error(404, "Resource not found", "404"))
            return
        style, rest = matched
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        versions = query.get("api-version", [])
        if style.api_version == "required" and not versions:
            await _answer(send, *_error(404, "Resource not found", "404"))
            return
        if style.api_version == "undated" and versions and is_dated_version(versions[0]):
            message = f"The api-version '{versions[0]}' is not supported on this path; the v1 API takes none."
            await _answer(send, *_error(400, message, "BadRequest"))
            return
        headers = self._auth_headers(scope)
        if headers is None:
            message = "Access denied due to invalid subscription key or wrong API endpoint."
            await _answer(send, *_error(401, message, "401"))
            return
        inner = {**scope, "path": "/v1" + rest, "raw_path": ("/v1" + rest).encode(), "headers": headers}
        if rest.endswith("/content"):
            # A file's bytes, streamed; output lines gain the service's content-filter fields.
            filtered = self._quirks and self._profile.content_filters
            await self._app(inner, receive, _FilteredLines(send) if filtered else send)
            return
        await self._finish(inner, receive, send, style, versions[0] if versions else None)

    def _auth_headers(self, scope: Scope) -> list[tuple[bytes, bytes]] | None:
        """The request's headers with the profile's key header as the bearer the app checks; None when absent."""
        raw: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        header = self._profile.auth.header.lower()
        if header == "authorization":
            return raw
        headers = Headers(raw=raw)
        key = headers.get(header)
        if key is None:
            return raw if headers.get("authorization", "").lower().startswith("bearer ") else None
        prefix, _, suffix = self._profile.auth.format.partition("{token}")
        token = key.removeprefix(prefix).removesuffix(suffix) if suffix else key.removeprefix(prefix)
        kept = [(name, value) for name, value in raw if name.lower() not in (b"authorization", header.encode())]
        return [*kept, (b"authorization", f"Bearer {token}".encode())]

    async def _finish(self, scope: Scope, receive: Receive, send: Send, style: PathStyle, version: str | None) -> None:
        start: Message = {}
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            status, headers, body = self._rewrite(scope, style, version, start, b"".join(chunks))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self._app(scope, receive, buffered)

    def _rewrite(
        self, scope: Scope, style: PathStyle, version: str | None, start: Message, body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        status: int = start["status"]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if status != 200:
            return status, [*headers, (b"content-length", str(len(body)).encode())], body
        try:
            data = json.loads(body)
        except ValueError:
            return status, [*headers, (b"content-length", str(len(body)).encode())], body
        path: str = scope["path"]
        creating = scope["method"] == "POST" and path in ("/v1/files", "/v1/batches")
        if creating and path == "/v1/batches" and self._profile.queue_budget is not None:
            headers += self._budget_headers(data)
        if creating:
            status = style.created_status
            if path == "/v1/files" and style.upload_location and isinstance(data, dict):
                headers.append((b"location", self._location(scope, style, data.get("id"), version).encode()))
        for item in data.get("data", []) if isinstance(data, dict) and data.get("object") == "list" else [data]:
            if isinstance(item, dict):
                self._empty_error_file(item)
                for quirk in self._quirks:
                    quirk(item)
        body = json.dumps(data).encode()
        return status, [*headers, (b"content-length", str(len(body)).encode())], body

    def _empty_error_file(self, batch: dict[str, Any]) -> None:
        """Name a 0-byte error file on a batch completed without errors, as Azure does."""
        if not self._empty_error_files or batch.get("object") != "batch" or batch.get("status") != "completed":
            return
        if batch.get("error_file_id") is not None or not isinstance(batch.get("id"), str):
            return
        with self._error_files_lock:
            file_id = self._error_files.get(batch["id"])
            if file_id is None:
                file_id = self._error_files[batch["id"]] = self._new_empty_output(batch["id"])
        batch["error_file_id"] = file_id

    def _new_empty_output(self, batch_id: str) -> str:
        store = self._state.store
        record = FileRecord(
            id=new_file_id(),
            bytes=0,
            created_at=int(self._state.clock.now()),
            filename=f"{batch_id}_error.jsonl",
            purpose="batch_output",
            expires_at=None,
        )
        store.file_path(record.id).write_bytes(b"")
        with store.transaction() as conn:
            store.insert_file(record, conn)
        return record.id

    def _location(self, scope: Scope, style: PathStyle, file_id: object, version: str | None) -> str:
        host = Headers(scope=scope).get("host", "127.0.0.1")
        query = f"?api-version={version}" if version else ""
        return f"{scope.get('scheme', 'http')}://{host}{style.base_path}/files/{file_id}{query}"

    def _budget_headers(self, batch: Any) -> list[tuple[bytes, bytes]]:
        """The deployment's enqueued tokens and its limit, as the profile's queue_budget headers."""
        names = self._profile.queue_budget
        if names is None or not isinstance(batch, dict):
            return []
        model = self._state.engine.input_model(str(batch.get("input_file_id", "")))
        enqueued = self._state.engine.enqueued_tokens(model)
        limit = self._state.engine.token_limits.limit_for(model)
        headers = [(names.enqueued_header.encode(), str(enqueued).encode())]
        if limit is not None:  # no limit configured: none stated, as a service without one would
            headers.append((names.maximum_header.encode(), str(limit).encode()))
        return headers


# What Azure adds to a chat answer (https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter):
# every category judged, none filtered.
_SAFE: Final = {name: {"filtered": False, "severity": "safe"} for name in ("hate", "self_harm", "sexual", "violence")}


def _with_filters(line: bytes) -> bytes:
    """One output line with Azure's content-filter fields, when it holds a chat answer."""
    try:
        record = json.loads(line)
    except ValueError:
        return line
    body = (record.get("response") or {}).get("body") if isinstance(record, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
        return line
    body["prompt_filter_results"] = [{"prompt_index": 0, "content_filter_results": _SAFE}]
    for choice in body["choices"]:
        if isinstance(choice, dict):
            choice["content_filter_results"] = _SAFE
    return json.dumps(record, separators=(",", ":")).encode()


class _FilteredLines:
    """An ASGI `send` that rewrites a streamed JSONL body line by line (its length changes, so none is sent)."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._pending = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-length"]
            await self._send({**message, "headers": headers})
            return
        if message["type"] != "http.response.body":
            await self._send(message)
            return
        data = self._pending + message.get("body", b"")
        more = message.get("more_body", False)
        lines = data.split(b"\n")
        self._pending = lines.pop() if more else b""
        out = b"".join(_with_filters(line) + b"\n" for line in lines if line)
        if not more and data and not data.endswith(b"\n") and lines:
            out = out[:-1]  # the file's last line had no newline: neither has the copy
        await self._send({"type": "http.response.body", "body": out, "more_body": more})


async def _answer(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
