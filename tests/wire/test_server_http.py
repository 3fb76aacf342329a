"""The local server over HTTP: error shapes, request ids, auth, Files, Batches, faults and admin."""

from __future__ import annotations

import hashlib
import json
import re
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai_batch.server import LocalServer

from tests.fixtures.local_server import input_file, request_line

pytestmark = pytest.mark.wire

FINAL = {"completed", "failed", "expired", "cancelled"}
REQUEST_ID = re.compile(r"^req_[0-9a-f]{32}$")


@pytest.fixture
def client(local_server: LocalServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_server.base_url, headers={"Authorization": "Bearer sk-test"}) as http:
        yield http


def upload(http: httpx.Client, data: bytes, *, filename: str = "in.jsonl", **fields: str) -> httpx.Response:
    return http.post("/files", files={"file": (filename, data)}, data={"purpose": "batch", **fields})


def wait_for(http: httpx.Client, batch_id: str, statuses: set[str], timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        batch: dict[str, Any] = http.get(f"/batches/{batch_id}").json()
        if batch["status"] in statuses:
            return batch
        assert time.monotonic() < deadline, f"batch still {batch['status']} after {timeout}s"
        time.sleep(0.01)


def create_batch(http: httpx.Client, count: int, **extra: Any) -> dict[str, Any]:
    file_id = upload(http, input_file(f"r{i}" for i in range(count))).json()["id"]
    response = http.post(
        "/batches",
        json={"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h", **extra},
    )
    assert response.status_code == 200, response.text
    batch: dict[str, Any] = response.json()
    return batch


def assert_error(response: httpx.Response, status: int, param: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert REQUEST_ID.match(response.headers["x-request-id"])
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["message"]
    assert error["param"] == param
    return error


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/v1/nothing-here", 404),
        ("PUT", "/v1/batches", 405),
        ("GET", "/v1/files/file-unknown", 404),
        ("GET", "/v1/batches/batch_unknown", 404),
        ("GET", "/v1/files/file-unknown/content", 404),
        ("DELETE", "/v1/files/file-unknown", 404),
        ("POST", "/v1/batches/batch_unknown/cancel", 404),
    ],
)
def test_unknown_routes_and_ids_answer_the_service_error_shape(
    client: httpx.Client, local_server: LocalServer, method: str, path: str, status: int
) -> None:
    response = client.request(method, local_server.base_url.removesuffix("/v1") + path)
    error = assert_error(response, status, param=response.json()["error"]["param"])
    assert error["type"] == "invalid_request_error"


def test_success_responses_carry_a_request_id_too(client: httpx.Client) -> None:
    ids = {client.get("/files").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3
    assert all(REQUEST_ID.match(request_id) for request_id in ids)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"}])
def test_a_missing_bearer_token_is_401(local_server: LocalServer, headers: dict[str, str]) -> None:
    response = httpx.get(f"{local_server.base_url}/batches", headers=headers)
    assert "API key" in assert_error(response, 401)["message"]


def test_required_api_key_rejects_others_without_echoing_them(local_server_factory: Callable[..., LocalServer]) -> None:
    server = local_server_factory(required_api_key="sk-the-right-one")
    wrong = httpx.get(f"{server.base_url}/files", headers={"Authorization": "Bearer sk-wrong-secret"})
    error = assert_error(wrong, 401)
    assert error["code"] == "invalid_api_key"
    assert "sk-wrong-secret" not in wrong.text
    right = httpx.get(f"{server.base_url}/files", headers={"Authorization": "Bearer sk-the-right-one"})
    assert right.status_code == 200


def test_files_upload_retrieve_download_list_and_delete(client: httpx.Client) -> None:
    data = input_file(["a", "b"])
    created = upload(client, data, **{"expires_after[anchor]": "created_at", "expires_after[seconds]": "7200"})
    assert created.status_code == 200, created.text
    record = created.json()
    assert record["id"].startswith("file-")
    assert (record["object"], record["bytes"], record["filename"], record["purpose"]) == (
        "file",
        len(data),
        "in.jsonl",
        "batch",
    )
    assert record["status"] == "processed" and record["status_details"] is None
    assert record["expires_at"] == record["created_at"] + 7200
    assert client.get(f"/files/{record['id']}").json() == record

    content = client.get(f"/files/{record['id']}/content")
    assert content.headers["content-type"] == "application/octet-stream"
    assert content.content == data

    other = client.post("/files", files={"file": ("notes.txt", b"x")}, data={"purpose": "user_data"}).json()
    assert other["expires_at"] is None
    newest_first = client.get("/files").json()
    assert [f["id"] for f in newest_first["data"]] == [other["id"], record["id"]]
    assert (newest_first["first_id"], newest_first["last_id"], newest_first["has_more"]) == (
        other["id"],
        record["id"],
        False,
    )
    page = client.get("/files", params={"order": "asc", "limit": 1}).json()
    assert ([f["id"] for f in page["data"]], page["has_more"]) == ([record["id"]], True)
    rest = client.get("/files", params={"order": "asc", "after": page["last_id"]}).json()
    assert [f["id"] for f in rest["data"]] == [other["id"]]
    assert [f["id"] for f in client.get("/files", params={"purpose": "user_data"}).json()["data"]] == [other["id"]]

    deleted = client.delete(f"/files/{record['id']}")
    assert deleted.json() == {"id": record["id"], "object": "file", "deleted": True}
    assert_error(client.get(f"/files/{record['id']}"), 404, param="id")
    assert_error(client.get(f"/files/{record['id']}/content"), 404, param="id")
    after_deleted = client.get("/files", params={"after": record["id"], "order": "asc"}).json()
    assert [f["id"] for f in after_deleted["data"]] == [other["id"]], "a deleted file still works as a cursor"
    client.delete(f"/files/{other['id']}")
    empty = client.get("/files").json()
    assert (empty["data"], empty["first_id"], empty["last_id"], empty["has_more"]) == ([], None, None, False)


def test_uploads_and_downloads_stream_through_the_server_without_holding_the_file(
    client: httpx.Client, tmp_path: Path
) -> None:
    path = tmp_path / "big.jsonl"
    line = request_line("x").encode().ljust(999) + b"\n"
    with path.open("wb") as stream:
        for _ in range(20_000):
            stream.write(line)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            record = client.post("/files", files={"file": ("big.jsonl", stream)}, data={"purpose": "batch"}).json()
        upload_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        digest = hashlib.sha256()
        with client.stream("GET", f"/files/{record['id']}/content") as response:
            for chunk in response.iter_bytes():
                digest.update(chunk)
        download_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert record["bytes"] == size == 20_000_000
    assert digest.hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest()
    # Client and server share this process: both peaks are far below the 20 MB file.
    assert upload_peak < 8_000_000
    assert download_peak < 8_000_000


@pytest.mark.parametrize(
    ("files", "fields", "param"),
    [
        ({"file": ("in.jsonl", b"{}")}, {"purpose": "training"}, "purpose"),
        ({}, {"purpose": "batch"}, "file"),
        ({"file": ("in.jsonl", b"{}")}, {}, "purpose"),
        (
            {"file": ("in.jsonl", b"{}")},
            {"purpose": "batch", "expires_after[anchor]": "created_at", "expires_after[seconds]": "60"},
            "expires_after[seconds]",
        ),
        (
            {"file": ("in.jsonl", b"{}")},
            {"purpose": "batch", "expires_after[anchor]": "last_active_at", "expires_after[seconds]": "3600"},
            "expires_after[anchor]",
        ),
        ({"file": ("in.jsonl", b"{}")}, {"purpose": "batch", "colour": "blue"}, "colour"),
    ],
)
def test_an_invalid_upload_is_400_naming_the_field(
    client: httpx.Client, files: dict[str, Any], fields: dict[str, str], param: str
) -> None:
    if not files:
        response = client.post("/files", data=fields, files={"other": ("x", b"")})
        param = "other"
    else:
        response = client.post("/files", files=files, data=fields)
    assert_error(response, 400, param=param)


def test_an_upload_over_the_size_limit_is_refused(local_server_factory: Callable[..., LocalServer]) -> None:
    server = local_server_factory(max_upload_bytes=1000)
    with httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer sk-test"}) as http:
        fits = b'{"custom_id": "x"}' + b" " * 981 + b"\n"
        error = assert_error(upload(http, fits + b" "), 400, param="file")
        assert error["code"] == "file_too_large"
        assert upload(http, fits).status_code == 200


def test_a_json_upload_is_refused(client: httpx.Client) -> None:
    assert_error(client.post("/files", json={"purpose": "batch"}), 400)


def test_a_batch_runs_to_completion_over_http(client: httpx.Client) -> None:
    created = create_batch(client, 20, metadata={"run": "1"})
    assert created["status"] == "validating"
    assert created["expires_at"] == created["created_at"] + 24 * 3600
    batch = wait_for(client, created["id"], FINAL)
    assert batch["status"] == "completed"
    assert batch["request_counts"] == {"total": 20, "completed": 20, "failed": 0}
    assert batch["created_at"] <= batch["in_progress_at"] <= batch["finalizing_at"] <= batch["completed_at"]
    output = client.get(f"/files/{batch['output_file_id']}").json()
    assert output["purpose"] == "batch_output"
    lines = [json.loads(line) for line in client.get(f"/files/{output['id']}/content").content.splitlines()]
    assert sorted(line["custom_id"] for line in lines) == sorted(f"r{i}" for i in range(20))


def test_bad_create_bodies_are_400(client: httpx.Client) -> None:
    assert_error(client.post("/batches", content=b"{not json", headers={"content-type": "application/json"}), 400)
    error = assert_error(
        client.post(
            "/batches", json={"input_file_id": "file-nope", "endpoint": "/v1/embeddings", "completion_window": "24h"}
        ),
        400,
        param="input_file_id",
    )
    assert "file-nope" in error["message"]
    assert_error(client.post("/batches", json={"endpoint": "/v1/embeddings"}), 400, param="input_file_id")


def test_batches_list_newest_first_and_checks_limit(client: httpx.Client) -> None:
    created = [create_batch(client, 1)["id"] for _ in range(3)]
    page = client.get("/batches", params={"limit": 2}).json()
    assert [b["id"] for b in page["data"]] == created[::-1][:2]
    assert page["has_more"] is True
    rest = client.get("/batches", params={"after": page["last_id"]}).json()
    assert [b["id"] for b in rest["data"]] == [created[0]]
    for bad in ("0", "101", "ten"):
        assert_error(client.get("/batches", params={"limit": bad}), 400, param="limit")


def test_cancel_keeps_what_finished(local_server_factory: Callable[..., LocalServer]) -> None:
    # Real-time clock and one request per 50 s: only the admin clock makes requests run.
    server = local_server_factory(speed=1, throughput=0.02, validating_seconds=0, cancelling_seconds=0.05)
    with httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer sk-test"}) as http:
        created = create_batch(http, 5)
        wait_for(http, created["id"], {"in_progress"})
        http.post("/_admin/clock", json={"advance": 100})  # two requests' worth
        deadline = time.monotonic() + 10
        while http.get(f"/batches/{created['id']}").json()["request_counts"]["completed"] < 2:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        cancelling = http.post(f"/batches/{created['id']}/cancel").json()
        assert cancelling["status"] == "cancelling" and cancelling["cancelling_at"] is not None
        batch = wait_for(http, created["id"], FINAL)
        assert batch["status"] == "cancelled"
        assert batch["cancelled_at"] >= batch["cancelling_at"]
        done = batch["request_counts"]["completed"]
        assert 2 <= done < 5
        assert len(http.get(f"/files/{batch['output_file_id']}/content").content.splitlines()) == done
        errors = http.get(f"/files/{batch['error_file_id']}/content").content.splitlines()
        assert len(errors) == 5 - done
        assert all(b'"batch_cancelled"' in line for line in errors)
        again = http.post(f"/batches/{created['id']}/cancel")
        assert again.json()["status"] == "cancelled", again.text
        completed = create_batch(http, 1)
        http.post("/_admin/clock", json={"advance": 3600})
        wait_for(http, completed["id"], FINAL)
        assert_error(http.post(f"/batches/{completed['id']}/cancel"), 409, param="batch_id")


def test_429_faults_carry_retry_after_then_stop(client: httpx.Client) -> None:
    client.post("/_admin/faults", json={"rules": [{"kind": "error", "status": 429, "retry_after": 2, "count": 2}]})
    for _ in range(2):
        response = client.get("/batches")
        error = assert_error(response, 429)
        assert error["code"] == "rate_limit_exceeded"
        assert response.headers["retry-after"] == "2"
        assert response.headers["retry-after-ms"] == "2000"
    assert client.get("/batches").status_code == 200


def test_a_rate_of_503s_is_deterministic(client: httpx.Client) -> None:
    client.post("/_admin/faults", json={"rules": [{"kind": "error", "status": 503, "rate": 0.5}]})
    assert [client.get("/files").status_code for _ in range(6)] == [200, 503, 200, 503, 200, 503]
    cleared = client.delete("/_admin/faults").json()
    assert {key: cleared[key] for key in ("rules", "token_limit_batches")} == {"rules": [], "token_limit_batches": 0}
    assert client.get("/files").status_code == 200


def test_a_dropped_connection_is_a_protocol_error_for_the_client(client: httpx.Client) -> None:
    client.post("/_admin/faults", json={"rules": [{"kind": "drop", "count": 1, "match": "^GET /v1/files$"}]})
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/files")
    assert client.get("/files").status_code == 200


def test_a_drop_while_uploading_is_a_protocol_error_too(client: httpx.Client) -> None:
    client.post("/_admin/faults", json={"rules": [{"kind": "drop", "count": 1, "match": "^POST /v1/files$"}]})
    with pytest.raises((httpx.RemoteProtocolError, httpx.WriteError, httpx.ReadError)):
        upload(client, input_file(["a"]))
    assert upload(client, input_file(["a"])).status_code == 200


def test_a_slow_response_is_slow(client: httpx.Client) -> None:
    client.post("/_admin/faults", json={"rules": [{"kind": "delay", "seconds": 0.3, "count": 1}]})
    started = time.monotonic()
    assert client.get("/files").status_code == 200
    assert time.monotonic() - started >= 0.3
    client.post("/_admin/faults", json={"rules": [{"kind": "delay", "seconds": 0.4, "count": 1}]})
    with pytest.raises(httpx.ReadTimeout):
        client.get("/files", timeout=0.1)


def test_admin_rejects_an_invalid_rule(client: httpx.Client) -> None:
    error = assert_error(client.post("/_admin/faults", json={"rules": [{"kind": "explode"}]}), 400, param="rules")
    assert "kind" in error["message"]


def test_admin_token_limit_fails_the_next_batch(client: httpx.Client) -> None:
    client.post("/_admin/faults", json={"token_limit_batches": 1})
    failed = wait_for(client, create_batch(client, 2)["id"], FINAL)
    assert failed["status"] == "failed"
    assert [e["code"] for e in failed["errors"]["data"]] == ["token_limit_exceeded"]
    assert wait_for(client, create_batch(client, 2)["id"], FINAL)["status"] == "completed"


def test_admin_expire_and_clock(local_server_factory: Callable[..., LocalServer]) -> None:
    server = local_server_factory(throughput=0.001)
    with httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer sk-test"}) as http:
        before = http.get("/_admin/clock").json()
        changed = http.post("/_admin/clock", json={"speed": 10, "advance": 3600}).json()
        assert changed["speed"] == 10
        assert changed["now"] >= before["now"] + 3600
        created = create_batch(http, 3)
        http.post("/_admin/clock", json={"advance": 30})
        http.post("/_admin/tick")
        assert http.get(f"/batches/{created['id']}").json()["status"] == "in_progress"
        expired = http.post(f"/_admin/batches/{created['id']}/expire").json()
        assert expired["status"] == "expired"
        assert expired["expired_at"] is not None
        assert expired["output_file_id"] is None
        errors = http.get(f"/files/{expired['error_file_id']}/content").content.splitlines()
        assert len(errors) == 3 and all(b"batch_expired" in line for line in errors)
        assert_error(http.post(f"/_admin/batches/{created['id']}/expire"), 409, param="batch_id")
        assert_error(http.post("/_admin/clock", json={"speed": -1}), 400)


def test_an_error_after_the_fact_leaves_the_batch_created(client: httpx.Client) -> None:
    file_id = upload(client, input_file(["a"])).json()["id"]
    client.post("/_admin/faults", json={"rules": [{"kind": "error", "status": 500, "count": 1, "after": True}]})
    body = {"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"}
    assert_error(client.post("/batches", json=body), 500)
    [batch] = client.get("/batches").json()["data"]
    assert batch["input_file_id"] == file_id, "the server acted although the client saw a 500"


def test_a_drop_after_the_fact_leaves_the_file_uploaded(client: httpx.Client) -> None:
    client.post("/_admin/faults", json={"rules": [{"kind": "drop", "count": 1, "after": True, "match": "^POST"}]})
    with pytest.raises(httpx.RemoteProtocolError):
        upload(client, input_file(["a"]), filename="lost-answer.jsonl")
    assert [f["filename"] for f in client.get("/files").json()["data"]] == ["lost-answer.jsonl"]


def test_a_late_answer_after_the_fact(client: httpx.Client) -> None:
    client.post("/_admin/faults", json={"rules": [{"kind": "delay", "seconds": 0.3, "count": 1, "after": True}]})
    with pytest.raises(httpx.ReadTimeout):
        client.post("/files", files={"file": ("slow.jsonl", input_file(["a"]))}, data={"purpose": "batch"}, timeout=0.1)
    deadline = time.monotonic() + 5
    while not client.get("/files").json()["data"]:
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_concurrent_clients_are_safe(local_server: LocalServer) -> None:
    def work(worker: int) -> list[str]:
        with httpx.Client(base_url=local_server.base_url, headers={"Authorization": "Bearer sk-test"}) as http:
            created = []
            for round_ in range(4):
                file_id = upload(http, input_file([f"w{worker}-{round_}-{i}" for i in range(5)])).json()["id"]
                response = http.post(
                    "/batches",
                    json={"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"},
                )
                assert response.status_code == 200, response.text
                created.append(response.json()["id"])
            return created

    with ThreadPoolExecutor(max_workers=8) as pool:
        created = [batch_id for batch_ids in pool.map(work, range(8)) for batch_id in batch_ids]
    assert len(set(created)) == 32
    with httpx.Client(base_url=local_server.base_url, headers={"Authorization": "Bearer sk-test"}) as http:
        listed = http.get("/batches", params={"limit": 100}).json()["data"]
        assert {b["id"] for b in listed} == set(created)
        for batch_id in created:
            assert wait_for(http, batch_id, FINAL)["request_counts"] == {"total": 5, "completed": 5, "failed": 0}
