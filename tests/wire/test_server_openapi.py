"""Every response the local server sends for the spec's operations conforms to openapi.yaml.

A scripted session drives every operation through every batch outcome (completed, failed with
errors, expired, cancelled) while an httpx hook records each exchange; each 200 is then checked
by openapi-core, and, more strictly than the spec's open objects, no field outside the schema
may appear (a misspelt field would otherwise pass unnoticed).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import yaml
from openai_batch.server import LocalServer
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from tests.fixtures.local_server import input_file, request_line

pytestmark = pytest.mark.wire

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi.yaml"
SPEC_HOST = "https://api.openai.com"  # openapi.yaml's server is https://api.openai.com/v1

OPERATIONS = {
    ("POST", r"/v1/files"): "createFile",
    ("GET", r"/v1/files"): "listFiles",
    ("GET", r"/v1/files/[^/]+"): "retrieveFile",
    ("DELETE", r"/v1/files/[^/]+"): "deleteFile",
    ("GET", r"/v1/files/[^/]+/content"): "downloadFile",
    ("POST", r"/v1/batches"): "createBatch",
    ("GET", r"/v1/batches"): "listBatches",
    ("GET", r"/v1/batches/[^/]+"): "retrieveBatch",
    ("POST", r"/v1/batches/[^/]+/cancel"): "cancelBatch",
}


def operation_of(request: httpx.Request) -> str | None:
    for (method, pattern), operation in OPERATIONS.items():
        if request.method == method and re.fullmatch(pattern, request.url.path):
            return operation
    return None


def unknown_fields(value: Any, schema: dict[str, Any], components: dict[str, Any], where: str) -> list[str]:
    """Fields of `value` its schema does not declare (objects without additionalProperties)."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    for option in schema.get("anyOf", []):
        if isinstance(value, dict) and ("properties" in option or "$ref" in option):
            return unknown_fields(value, option, components, where)
    found: list[str] = []
    if isinstance(value, dict) and "properties" in schema and not schema.get("additionalProperties"):
        found += [f"{where}.{key}" for key in value if key not in schema["properties"]]
        for key, child in value.items():
            if key in schema["properties"]:
                found += unknown_fields(child, schema["properties"][key], components, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += unknown_fields(item, schema["items"], components, f"{where}[{index}]")
    return found


class Recorder:
    def __init__(self) -> None:
        self.exchanges: list[httpx.Response] = []

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        self.exchanges.append(response)


def drive_every_operation(http: httpx.Client, server: LocalServer) -> None:
    def wait(batch_id: str, statuses: set[str]) -> dict[str, Any]:
        deadline = time.monotonic() + 10
        while (batch := http.get(f"/batches/{batch_id}").json())["status"] not in statuses:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        return batch

    def create(file_id: str, **extra: Any) -> dict[str, Any]:
        body = {"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h", **extra}
        response = http.post("/batches", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    good = http.post(
        "/files",
        files={"file": ("in.jsonl", input_file(["a", "b", "bad-c"]))},
        data={"purpose": "batch", "expires_after[anchor]": "created_at", "expires_after[seconds]": "86400"},
    ).json()
    broken = http.post(
        "/files", files={"file": ("broken.jsonl", b"nope\n" + request_line("x").encode())}, data={"purpose": "batch"}
    ).json()
    completed = create(good["id"], metadata={"kind": "complete"})
    failed = create(broken["id"])
    done = wait(completed["id"], {"completed"})
    wait(failed["id"], {"failed"})

    # Nearly frozen (not real time), and 50 requests: created_at is whole seconds, so the
    # 20.6 s advance below leaves 0.6-1.6 s of processing (1-3 requests at 2/s); with only
    # the 3-request file the batch could reach finalizing before the cancel (409).
    server.state.clock.set_speed(0.001)
    long_input = http.post(
        "/files",
        files={"file": ("long.jsonl", input_file([f"r{i}" for i in range(50)]))},
        data={"purpose": "batch"},
    ).json()
    cancelled = create(long_input["id"])
    expired = create(long_input["id"])
    http.post("/_admin/tick")
    server.state.clock.advance(20.6)  # validated, one request done
    http.post("/_admin/tick")
    cancel = http.post(f"/batches/{cancelled['id']}/cancel")
    assert cancel.status_code == 200, cancel.text
    http.post(f"/_admin/batches/{expired['id']}/expire")
    server.state.clock.set_speed(1000)
    wait(cancelled["id"], {"cancelled"})

    http.get("/batches")
    http.get("/batches", params={"limit": 2, "after": expired["id"]})
    http.get("/files", params={"purpose": "batch_output", "order": "asc", "limit": 10})
    http.get("/files")
    http.get(f"/files/{done['output_file_id']}")
    http.get(f"/files/{done['error_file_id']}/content")
    http.get(f"/files/{done['output_file_id']}/content")
    http.delete(f"/files/{broken['id']}")
    http.get(f"/files/{broken['id']}")  # 404 from here on
    http.get("/batches/batch_none")
    http.post("/batches", json={"endpoint": "/v1/chat/completions"})


def test_every_operation_answers_as_openapi_yaml_says(local_server_factory: Callable[..., LocalServer]) -> None:
    server = local_server_factory(fail_custom_id_pattern="^bad-")
    spec = yaml.safe_load(SPEC_PATH.read_text())
    components = spec["components"]["schemas"]
    api = OpenAPI.from_file_path(str(SPEC_PATH))
    recorder = Recorder()
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": "Bearer sk-test"}, event_hooks={"response": [recorder]}
    ) as http:
        drive_every_operation(http, server)

    seen: set[str] = set()
    statuses: set[str] = set()
    for response in recorder.exchanges:
        request = response.request
        operation = operation_of(request)
        if operation is None:
            continue  # the admin API is not part of the spec
        content_type = response.headers.get("content-type", "")
        if response.status_code != 200:
            assert set(response.json()["error"]) == {"message", "type", "param", "code"}, response.text
            continue
        seen.add(operation)
        mock_request = MockRequest(
            SPEC_HOST,
            request.method,
            request.url.path,
            args=dict(parse_qsl(request.url.query.decode())),
            headers={"Authorization": request.headers["authorization"]},
            data=b"" if operation == "createFile" else request.content,
            content_type=request.headers.get("content-type", "application/json"),
        )
        if operation != "createFile":
            # openapi-core cannot read multipart binary parts; every other request is checked too.
            api.validate_request(mock_request)
        if operation == "downloadFile":
            # openapi-core reads a `format: binary` string as text, not bytes.
            data: Any = response.text
        else:
            data = response.content
        api.validate_response(
            mock_request,
            MockResponse(data, response.status_code, headers=dict(response.headers), content_type=content_type),
        )
        if operation == "downloadFile":
            assert content_type == "application/octet-stream"
            continue
        schema = spec["paths"]
        path_item = next(
            item
            for path, item in schema.items()
            if re.fullmatch("/v1" + re.sub(r"\{[^}]+\}", "[^/]+", path), request.url.path)
        )
        response_schema = path_item[request.method.lower()]["responses"]["200"]["content"]["application/json"]["schema"]
        body = response.json()
        assert unknown_fields(body, response_schema, components, operation) == []
        for batch in body.get("data", [body]) if operation.endswith("Batches") else [body]:
            if batch.get("object") == "batch":
                statuses.add(batch["status"])

    assert seen == set(OPERATIONS.values())
    assert {"completed", "failed", "expired", "cancelled"} <= statuses
