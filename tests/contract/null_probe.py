"""Send a null for each given field through the hand-written client, in a response body.

Run as a script in a subprocess whose PYTHONPATH puts a regenerated `openai_batch_api`
first (the package cannot be swapped inside one interpreter, since `openai_batch` imports
it by name):

    python -m tests.contract.null_probe SPEC Batch.request_counts OpenAIFile.expires_at ...

For each field it builds a response body the spec allows (its required properties, from
`surface.Contract.sample`), sets the field to null, serves it from an `httpx.MockTransport`
to `openai_batch.BatchClient` and calls the operation that returns that schema. It prints
one JSON object: the generated package's file and, per field, what the client returned or
the error it raised.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.contract.surface import Contract

# How to reach each schema that holds a field which must accept null: the HTTP route that
# returns it, and the client call that parses it (returning the object the field is read on).
ROUTES: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "Batch": ("/v1/batches/batch_1", lambda c: c.batches.retrieve("batch_1")),
    "OpenAIFile": ("/v1/files/file-1", lambda c: c.files.retrieve("file-1")),
    "ListBatchesResponse": ("/v1/batches", lambda c: c.batches.list()),
    "ListFilesResponse": ("/v1/files", lambda c: c.files.list()),
}


def body_with_null(contract: Contract, schema: str, field: str) -> dict[str, Any]:
    body = contract.sample({"$ref": f"#/components/schemas/{schema}"})
    assert isinstance(body, dict)
    body[field] = None
    return body


def probe(spec: Path, fields: list[str]) -> dict[str, Any]:
    import openai_batch
    import openai_batch_api

    contract = Contract.from_files(spec)
    results: dict[str, Any] = {}
    for dotted in fields:
        schema, field = dotted.split(".", 1)
        path, call = ROUTES[schema]
        body = body_with_null(contract, schema, field)

        def handler(request: httpx.Request, path: str = path, body: dict[str, Any] = body) -> httpx.Response:
            if request.url.path != path:
                return httpx.Response(404, json={"error": {"message": f"unexpected {request.url.path}"}})
            return httpx.Response(200, json=body)

        with openai_batch.BatchClient(
            "sk-probe", base_url="https://api.test/v1", transport=httpx.MockTransport(handler), max_retries=0
        ) as client:
            try:
                result = call(client)
                value = getattr(result, contract.python_name(field), "<no such attribute>")
                results[dotted] = {"ok": True, "value": value if value is None else repr(value)}
            except Exception as exc:
                results[dotted] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"openai_batch_api": openai_batch_api.__file__, "results": results}


if __name__ == "__main__":
    print(json.dumps(probe(Path(sys.argv[1]), sys.argv[2:])))
