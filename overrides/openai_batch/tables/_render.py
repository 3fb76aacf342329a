"""Requests rendered from rows: a template over the row's columns, or the user's own function.

A template's fields are checked against the table's columns before any row is read, so a
misspelt column is one error naming it and the columns there are, not a million.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..workflow._strict_schema import strict_json_schema
from ._errors import TableInputError

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["RequestTemplate", "RowRenderer", "load_schema_file", "template_fields"]

_CHAT = "/v1/chat/completions"
_RESPONSES = "/v1/responses"
_FORMATTER = string.Formatter()


def template_fields(text: str) -> list[str]:
    """The column names a template reads (``{text}``, ``{a.b}`` reads ``a``), in order."""
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:
        raise TableInputError(f"template {text[:60]!r}: {exc} (write a literal brace as {{{{ or }}}})") from None
    names: list[str] = []
    for _, field, _, _ in parsed:
        if field is None:
            continue
        if field == "" or field.isdigit():
            raise TableInputError(f"template {text[:60]!r}: every field must name a column, as in {{text}}")
        name = field.split(".", 1)[0].split("[", 1)[0]
        if name not in names:
            names.append(name)
    return names


def load_schema_file(path: str | Path) -> dict[str, Any]:
    """A JSON schema read from a file (for ``response_format``), with a clear error for a bad one."""
    file = Path(path)
    try:
        schema = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TableInputError(f"schema file {file}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise TableInputError(f"schema file {file}: not JSON: {exc}") from None
    if not isinstance(schema, dict):
        raise TableInputError(f"schema file {file}: expected a JSON object (a JSON schema)")
    schema.setdefault("title", file.stem)
    return schema


def _schema_name(schema: Mapping[str, Any]) -> str:
    # The API accepts letters, digits, underscores and dashes, up to 64 characters.
    title = str(schema.get("title") or "answer")
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in title)[:64]


@attrs.frozen
class RequestTemplate:
    """One request per row: a prompt written over the row's columns, the same model and options for all.

    ``prompt`` (and ``system``) are ``str.format`` templates whose fields name columns:
    ``"Classify this review: {text}"``. ``response_format`` is a pydantic model class or a
    JSON schema (a dict, or a loaded schema file: :func:`load_schema_file`); the request then
    asks for that JSON strictly. ``params`` are further body fields (``temperature``, ...).
    For ``/v1/responses`` the prompt is the ``input``, the system text the ``instructions``.

    Example::

        template = RequestTemplate(
            "Classify this review: {text}", model="gpt-4o-mini", system="Answer in JSON.",
            max_completion_tokens=50, response_format=Review,
        )
        write_requests("reviews.csv", "requests.jsonl", template, id_column="review_id")
    """

    prompt: str
    model: str
    system: str | None = None
    max_completion_tokens: int | None = None
    response_format: type[BaseModel] | Mapping[str, Any] | None = None
    endpoint: str = _CHAT
    params: Mapping[str, Any] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        if self.endpoint not in (_CHAT, _RESPONSES):
            raise ValueError(f"a RequestTemplate writes {_CHAT} or {_RESPONSES} requests, not {self.endpoint!r}")
        if not isinstance(self.model, str) or not self.model:
            raise ValueError("a RequestTemplate needs a model name")
        count = self.max_completion_tokens
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
            raise ValueError(f"max_completion_tokens must be a positive integer, got {count!r}")

    @property
    def fields(self) -> list[str]:
        """Every column the prompt and system text read."""
        names = template_fields(self.prompt)
        for name in template_fields(self.system or ""):
            if name not in names:
                names.append(name)
        return names

    def _format(self) -> dict[str, Any] | None:
        """The strict json_schema format asked for, in the chat ``response_format`` layout."""
        found = self.response_format
        if found is None:
            return None
        if isinstance(found, Mapping) and found.get("type") in ("json_schema", "json_object", "text"):
            return dict(found)  # already a whole response_format
        schema = strict_json_schema(found if isinstance(found, type) else dict(found))
        name = found.__name__ if isinstance(found, type) else _schema_name(schema)
        return {
            "type": "json_schema",
            "json_schema": {"name": _schema_name({"title": name}), "schema": schema, "strict": True},
        }

    def body_maker(self) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
        """A function from a row to the request body (the format is computed once, not per row)."""
        response_format = self._format()
        prompt, system, model = self.prompt, self.system, self.model
        extra: dict[str, Any] = dict(self.params)
        if self.endpoint == _CHAT:
            if self.max_completion_tokens is not None:
                extra["max_completion_tokens"] = self.max_completion_tokens
            if response_format is not None:
                extra["response_format"] = response_format

            def chat(row: Mapping[str, Any]) -> dict[str, Any]:
                messages = [{"role": "user", "content": prompt.format_map(row)}]
                if system is not None:
                    messages.insert(0, {"role": "system", "content": system.format_map(row)})
                return {"model": model, "messages": messages, **extra}

            return chat
        if self.max_completion_tokens is not None:
            extra["max_output_tokens"] = self.max_completion_tokens
        if response_format is not None:
            found = response_format
            text_format = (
                {"type": "json_schema", **found["json_schema"]} if found.get("type") == "json_schema" else found
            )
            extra["text"] = {**dict(extra.get("text") or {}), "format": text_format}

        def responses(row: Mapping[str, Any]) -> dict[str, Any]:
            body: dict[str, Any] = {"model": model, "input": prompt.format_map(row), **extra}
            if system is not None:
                body["instructions"] = system.format_map(row)
            return body

        return responses


RowFunction = Callable[[dict[str, Any]], Mapping[str, Any]]


class RowRenderer:
    """Turns one row (a dict of its columns) into one request body, naming the row when it cannot.

    Example::

        render = RowRenderer(template, ("review_id", "text"), "reviews.csv")
        body = render({"review_id": 7, "text": "Great"}, 0)
    """

    def __init__(self, requests: RequestTemplate | RowFunction, column_names: tuple[str, ...], table: str) -> None:
        self.table = table
        self.fields: list[str] = []
        if isinstance(requests, RequestTemplate):
            missing = [name for name in requests.fields if name not in column_names]
            if missing:
                raise TableInputError(
                    f"{table}: the template names column(s) {missing} that the table lacks; "
                    f"its columns are {list(column_names)}",
                    column=missing[0],
                )
            self.fields = requests.fields
            self._make: Callable[[dict[str, Any]], Mapping[str, Any]] = requests.body_maker()
            self.endpoint = requests.endpoint
        elif callable(requests):
            self._make = requests
            self.endpoint = ""
        else:
            raise TypeError(f"requests must be a RequestTemplate or a function of a row, got {type(requests).__name__}")

    def __call__(self, row: dict[str, Any], index: int) -> dict[str, Any]:
        for name in self.fields:
            if row[name] is None:
                raise TableInputError(
                    f"{self.table}: row {index}: column {name!r} is empty (null), and the template uses it",
                    row=index,
                    column=name,
                )
        try:
            body = self._make(row)
        except TableInputError:
            raise
        except Exception as exc:  # the user's function (or a format spec) may fail in any way
            raise TableInputError(
                f"{self.table}: row {index}: the request could not be made: {type(exc).__name__}: {exc}", row=index
            ) from exc
        if not isinstance(body, Mapping):
            raise TableInputError(
                f"{self.table}: row {index}: the request function returned a {type(body).__name__}, not a body dict",
                row=index,
            )
        return dict(body)


def _json_problem(value: Any, path: str = "") -> str | None:
    """Where in a body a value JSON cannot hold sits (``messages[0].content``), or None when all fit."""
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if value == value and value not in (float("inf"), float("-inf")) else path or "(body)"
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{path}.{key!r}" if path else repr(key)
            found = _json_problem(item, f"{path}.{key}" if path else key)
            if found is not None:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _json_problem(item, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    return path or "(body)"


def check_body(body: Mapping[str, Any], endpoint: str, index: int, table: str, fields: list[str]) -> None:
    """Refuse a rendered body the service would reject, naming the row (and the columns it was made from)."""
    where = f"{table}: row {index}"
    source = f" (made from column(s) {fields})" if fields else ""
    bad = _json_problem(body)
    if bad is not None:
        raise TableInputError(
            f"{where}: the request's {bad} is not a JSON value{source}; convert it first (str(), float(), ...)",
            row=index,
            column=fields[0] if fields else None,
        )
    model = body.get("model")
    if endpoint != "/v1/moderations" and (not isinstance(model, str) or not model):
        raise TableInputError(f"{where}: the request has no model (got {model!r})", row=index)
    if endpoint == _CHAT:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise TableInputError(f"{where}: a chat request needs a non-empty list of messages", row=index)
        for message in messages:
            content = message.get("content") if isinstance(message, Mapping) else None
            if isinstance(content, str) and not content.strip():
                raise TableInputError(
                    f"{where}: a {message.get('role', '')} message is empty{source}",
                    row=index,
                    column=fields[0] if fields else None,
                )
    elif endpoint == _RESPONSES and body.get("input") in (None, "", []):
        raise TableInputError(f"{where}: a responses request needs an input{source}", row=index)
