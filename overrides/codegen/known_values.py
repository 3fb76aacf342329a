"""Derive the known values the hand-written package needs from openapi.yaml.

generate.py writes them as `openai_batch_api/known_values.py`, beside the generated models,
so they are regenerated with the package and covered by `make check-generated`. They are
found through the operations, not through schema names (which differ between upstreams:
the 2024 spec writes createBatch's body inline):

- BATCH_STATUSES: the `status` enum of retrieveBatch's (or createBatch's) response;
- FILE_PURPOSES: the `purpose` enum of retrieveFile's (or createFile's) response, then createFile's own
  upload purposes not already in it (the service assigns some, users send others);
- UPLOAD_PURPOSES: the `purpose` enum of createFile's body;
- BATCH_ENDPOINTS: the `endpoint` enum of createBatch's body;
- EMBEDDING_INPUT_LIMITS: per endpoint, the cap on embedding inputs per batch that the
  endpoint's description states ("`/v1/embeddings` batches are also restricted to a
  maximum of 50,000 embedding inputs").

An open enum (`anyOf: [{enum}, {type: string}]`) is read through its anyOf members. A value
that cannot be found fails generation: a hand-written list would silently go stale.
"""

from __future__ import annotations

import re
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
LIMIT_SENTENCE = re.compile(r"`(/v1/[^`]+)` batches are also restricted to a maximum of ([\d,]+) embedding inputs")


class KnownValuesError(Exception):
    pass


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen or not ref.startswith("#/"):
            raise KnownValuesError(f"cannot resolve $ref {ref!r}")
        seen.add(ref)
        node = spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _operation(spec: dict[str, Any], operation_id: str) -> dict[str, Any]:
    for item in spec.get("paths", {}).values():
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return op
    raise KnownValuesError(f"openapi.yaml has no operation {operation_id}")


def _response_schema(spec: dict[str, Any], *operation_ids: str) -> Any:
    """The JSON body of the first of these operations the spec has (they all return the same object)."""
    for operation_id in operation_ids:
        try:
            op = _operation(spec, operation_id)
        except KnownValuesError:
            continue
        response = _resolve(spec, op["responses"]["200"])
        return _resolve(spec, response["content"]["application/json"]["schema"])
    raise KnownValuesError(f"openapi.yaml has none of the operations {', '.join(operation_ids)}")


def _body_schema(spec: dict[str, Any], operation_id: str, content_type: str) -> Any:
    body = _resolve(spec, _operation(spec, operation_id)["requestBody"])
    return _resolve(spec, body["content"][content_type]["schema"])


def _property(spec: dict[str, Any], schema: Any, name: str, where: str) -> dict[str, Any]:
    prop = _resolve(spec, (schema.get("properties") or {}).get(name))
    if not isinstance(prop, dict):
        raise KnownValuesError(f"{where} has no property {name}")
    return prop


def enum_values(spec: dict[str, Any], schema: Any, where: str) -> list[str]:
    """The string values of an enum, or of the enum members of an anyOf/oneOf (an open enum)."""
    schema = _resolve(spec, schema)
    values: list[str] = []
    for member in [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]:
        member = _resolve(spec, member)
        for value in member.get("enum") or []:
            if isinstance(value, str) and value not in values:
                values.append(value)
    if not values:
        raise KnownValuesError(f"{where} lists no known values (no enum)")
    return values


def derive(spec: dict[str, Any]) -> dict[str, Any]:
    batch = _response_schema(spec, "retrieveBatch", "createBatch", "cancelBatch")
    file = _response_schema(spec, "retrieveFile", "createFile")
    upload = _body_schema(spec, "createFile", "multipart/form-data")
    create = _body_schema(spec, "createBatch", "application/json")
    endpoint = _property(spec, create, "endpoint", "createBatch's body")
    upload_purposes = enum_values(spec, _property(spec, upload, "purpose", "createFile's body"), "createFile purpose")
    file_purposes = enum_values(spec, _property(spec, file, "purpose", "retrieveFile's response"), "file purpose")
    endpoints = enum_values(spec, endpoint, "createBatch endpoint")
    limits = {
        path: int(count.replace(",", ""))
        for path, count in LIMIT_SENTENCE.findall(" ".join(str(endpoint.get("description", "")).split()))
        if path in endpoints
    }
    return {
        "BATCH_STATUSES": enum_values(spec, _property(spec, batch, "status", "retrieveBatch's response"), "status"),
        "FILE_PURPOSES": [*file_purposes, *(p for p in upload_purposes if p not in file_purposes)],
        "UPLOAD_PURPOSES": upload_purposes,
        "BATCH_ENDPOINTS": endpoints,
        "EMBEDDING_INPUT_LIMITS": limits,
    }


def _literal(values: list[str]) -> str:
    return "Literal[" + ", ".join(repr(v) for v in values) + "]"


def _tuple(values: list[str]) -> str:
    return "(" + "".join(f"{v!r}, " for v in values) + ")"


def render(spec: dict[str, Any]) -> str:
    """The source of known_values.py for `spec`."""
    known = derive(spec)
    return f'''"""Known values from openapi.yaml, derived by overrides/codegen/known_values.py. Do not edit.

The service may send values not listed here (the models type these fields as `str`); these
are the ones the spec names, for annotations, validation and the command line.
"""

from typing import Literal, TypeAlias

BatchStatus: TypeAlias = {_literal(known["BATCH_STATUSES"])}
"""Known values of `Batch.status`."""

FilePurpose: TypeAlias = {_literal(known["FILE_PURPOSES"])}
"""Known values of `OpenAIFile.purpose`, then the upload purposes `files.create` accepts."""

BatchEndpoint: TypeAlias = {_literal(known["BATCH_ENDPOINTS"])}
"""The endpoints `batches.create` accepts (and every input line's `url` must name)."""

BATCH_STATUSES: tuple[BatchStatus, ...] = {_tuple(known["BATCH_STATUSES"])}
FILE_PURPOSES: tuple[FilePurpose, ...] = {_tuple(known["FILE_PURPOSES"])}
UPLOAD_PURPOSES: tuple[str, ...] = {_tuple(known["UPLOAD_PURPOSES"])}
BATCH_ENDPOINTS: tuple[BatchEndpoint, ...] = {_tuple(known["BATCH_ENDPOINTS"])}

EMBEDDING_INPUT_LIMITS: dict[str, int] = {known["EMBEDDING_INPUT_LIMITS"]!r}
"""Per endpoint, the most embedding inputs one batch may hold across its requests."""
'''
