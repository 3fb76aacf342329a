"""An in-memory Batch API with the client's surface, for job-logic tests (no HTTP, fully scripted).

Batches move one step per `retrieve` (validating -> in_progress -> finalizing -> completed)
unless `auto` is off; tests can also expire, cancel or fail them at any point. Faults are
queued per operation name and raised by the next call; `after_faults` are raised once the
call has been carried out (a lost answer); `cut_downloads` cut the next downloads short.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import httpx
from openai_batch._exceptions import APIConnectionError, InternalServerError, RateLimitError
from openai_batch.workflow import BatchLimits, Job, QueuePolicy
from openai_batch_api.models import Batch, DeleteFileResponse, OpenAIFile


def connection_error() -> APIConnectionError:
    return APIConnectionError("connection reset", operation="retrieveBatch")


def status_error(cls: type[RateLimitError] | type[InternalServerError], status: int) -> Exception:
    request = httpx.Request("GET", "http://127.0.0.1/batches/x")
    response = httpx.Response(status, request=request, json={"error": {"message": "busy"}})
    return cls("busy", operation="retrieveBatch", response=response, body={"error": {"message": "busy"}})


def default_outcome(custom_id: str) -> str:
    """`ok` unless the id ends in `-bad` (a 400 in the error file)."""
    return "fail" if custom_id.endswith("-bad") else "ok"


class FakeServer:
    def __init__(self) -> None:
        self.files: dict[str, tuple[OpenAIFile, bytes]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.uploads = 0
        self.creates = 0
        self.retrieves = 0
        self.content_reads = 0
        self.auto = True
        self.outcome: Callable[[str], str] = default_outcome
        # None in a queue lets that call through: [None, None, error] fails the third call.
        self.faults: dict[str, list[BaseException | None]] = defaultdict(list)
        self.after_faults: dict[str, list[BaseException | None]] = defaultdict(list)
        #: Byte counts at which the next downloads end early, cleanly (no error), in turn.
        self.cut_downloads: list[int] = []
        self._ids = itertools.count(1)
        self._now = int(time.time())

    # --- helpers ---------------------------------------------------------------------
    def _fault(self, op: str) -> None:
        if self.faults[op] and (fault := self.faults[op].pop(0)) is not None:
            raise fault

    def _after_fault(self, op: str) -> None:
        if self.after_faults[op] and (fault := self.after_faults[op].pop(0)) is not None:
            raise fault

    def _tick(self) -> int:
        self._now += 1
        return self._now

    def _requests(self, batch: dict[str, Any]) -> list[dict[str, Any]]:
        data = self.files[batch["input_file_id"]][1]
        return [json.loads(x) for x in data.splitlines() if x.strip()]

    def _store_file(self, name: str, data: bytes, purpose: str) -> OpenAIFile:
        file_id = f"file-{next(self._ids)}"
        model = OpenAIFile.from_dict(
            {
                "id": file_id,
                "bytes": len(data),
                "created_at": self._tick(),
                "filename": name,
                "object": "file",
                "purpose": purpose,
                "status": "processed",
            }
        )
        self.files[file_id] = (model, data)
        return model

    def _model(self, batch: dict[str, Any]) -> Batch:
        return Batch.from_dict(json.loads(json.dumps(batch)))

    def finish(self, batch_id: str, status: str = "completed", *, done: int | None = None) -> None:
        """Close a batch as `status`, running its first `done` requests (all by default)."""
        batch = self.batches[batch_id]
        requests = self._requests(batch)
        done = len(requests) if done is None else done
        out: list[bytes] = []
        err: list[bytes] = []
        verdicts: list[str] = []  # each run request's verdict, asked once (outcome may count calls)
        for i, request in enumerate(requests):
            cid = request["custom_id"]
            if i >= done:
                if status in ("expired", "cancelled"):
                    code = "batch_expired" if status == "expired" else "batch_cancelled"
                    err.append(
                        json.dumps(
                            {
                                "id": f"r{i}",
                                "custom_id": cid,
                                "response": None,
                                "error": {"code": code, "message": status},
                            }
                        ).encode()
                    )
                continue
            verdict = self.outcome(cid)
            verdicts.append(verdict)
            if verdict == "skip":
                continue
            if verdict == "ok":
                body = {"echo": request["body"], "custom_id": cid}
                out.append(
                    json.dumps(
                        {
                            "id": f"r{i}",
                            "custom_id": cid,
                            "error": None,
                            "response": {"status_code": 200, "request_id": f"req-{cid}", "body": body},
                        }
                    ).encode()
                )
            else:
                status_code, code, message = (
                    (500, "server_error", "the server had an error")
                    if verdict == "fail500"
                    else (400, "bad", "bad request")
                )
                body = {"error": {"message": message, "type": "invalid_request_error", "code": code}}
                err.append(
                    json.dumps(
                        {
                            "id": f"r{i}",
                            "custom_id": cid,
                            "error": None,
                            "response": {"status_code": status_code, "request_id": f"req-{cid}", "body": body},
                        }
                    ).encode()
                )
        completed = verdicts.count("ok")
        failed = verdicts.count("fail") + verdicts.count("fail500")
        if out:
            batch["output_file_id"] = self._store_file(
                f"{batch_id}_output.jsonl", b"\n".join(out) + b"\n", "batch_output"
            ).id
        if err:
            batch["error_file_id"] = self._store_file(
                f"{batch_id}_error.jsonl", b"\n".join(err) + b"\n", "batch_output"
            ).id
        batch["status"] = status
        batch["request_counts"] = {"total": len(requests), "completed": completed, "failed": failed}
        batch[f"{status}_at"] = self._tick()

    def fail(
        self, batch_id: str, code: str = "token_limit_exceeded", message: str = "Enqueued token limit reached"
    ) -> None:
        batch = self.batches[batch_id]
        batch["status"] = "failed"
        batch["failed_at"] = self._tick()
        batch["errors"] = {"object": "list", "data": [{"code": code, "message": message, "param": None, "line": None}]}

    def advance(self, batch_id: str) -> None:
        batch = self.batches[batch_id]
        total = len(self._requests(batch))
        status = batch["status"]
        if status == "validating":
            batch["status"] = "in_progress"
            batch["request_counts"] = {"total": total, "completed": total // 2, "failed": 0}
        elif status == "in_progress":
            batch["status"] = "finalizing"
            batch["request_counts"] = {"total": total, "completed": total, "failed": 0}
        elif status == "finalizing":
            self.finish(batch_id)
        elif status == "cancelling":
            self.finish(batch_id, "cancelled", done=total // 2)

    # --- API -------------------------------------------------------------------------
    def upload(self, file: Path | IO[bytes], purpose: str, filename: str | None = None) -> OpenAIFile:
        self._fault("files.create")
        self.uploads += 1
        if isinstance(file, Path | str):
            stored = self._store_file(filename or Path(file).name, Path(file).read_bytes(), purpose)
        else:
            stored = self._store_file(filename or "upload.jsonl", file.read(), purpose)
        self._after_fault("files.create")
        return stored

    def create(
        self, input_file_id: str, endpoint: str, completion_window: str, metadata: Mapping[str, str] | None
    ) -> Batch:
        self._fault("batches.create")
        assert input_file_id in self.files, input_file_id
        self.creates += 1
        batch_id = f"batch_{next(self._ids)}"
        self.batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": endpoint,
            "input_file_id": input_file_id,
            "completion_window": completion_window,
            "status": "validating",
            "created_at": self._tick(),
            "metadata": dict(metadata or {}),
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
        }
        self._after_fault("batches.create")
        return self._model(self.batches[batch_id])

    def retrieve(self, batch_id: str) -> Batch:
        self._fault("batches.retrieve")
        self.retrieves += 1
        if self.auto:
            self.advance(batch_id)
        return self._model(self.batches[batch_id])

    def cancel(self, batch_id: str) -> Batch:
        self._fault("batches.cancel")
        batch = self.batches[batch_id]
        if batch["status"] in ("validating", "in_progress", "finalizing"):
            batch["status"] = "cancelling"
        return self._model(batch)


class _Content:
    def __init__(self, server: FakeServer, file_id: str) -> None:
        self._server = server
        self._file_id = file_id

    def iter_lines(self) -> Iterator[bytes]:
        self._server._fault("files.content")
        self._server.content_reads += 1
        yield from self._server.files[self._file_id][1].splitlines()

    def iter_bytes(self) -> Iterator[bytes]:
        self._server._fault("files.content")
        self._server.content_reads += 1
        data = self._server.files[self._file_id][1]
        if self._server.cut_downloads:
            data = data[: self._server.cut_downloads.pop(0)]
        # Small chunks that split lines, like a network stream.
        for start in range(0, len(data), 97):
            yield data[start : start + 97]

    def write_to(self, path: str | Path) -> Path:
        Path(path).write_bytes(self._server.files[self._file_id][1])
        return Path(path)


class _Files:
    def __init__(self, server: FakeServer) -> None:
        self._server = server

    def create(self, *, file: Path | IO[bytes], purpose: str, filename: str | None = None) -> OpenAIFile:
        return self._server.upload(file, purpose, filename)

    def list(
        self, *, purpose: str | None = None, limit: int | None = None, order: str | None = None
    ) -> Iterator[OpenAIFile]:
        self._server._fault("files.list")
        items = [f for f, _ in self._server.files.values() if purpose is None or f.purpose == purpose]
        return iter(sorted(items, key=lambda f: f.created_at, reverse=order != "asc"))

    def retrieve(self, file_id: str) -> OpenAIFile:
        return self._server.files[file_id][0]

    def delete(self, file_id: str) -> DeleteFileResponse:
        del self._server.files[file_id]
        return DeleteFileResponse.from_dict({"id": file_id, "object": "file", "deleted": True})

    def content(self, file_id: str) -> _Content:
        return _Content(self._server, file_id)


class _Batches:
    def __init__(self, server: FakeServer) -> None:
        self._server = server

    def create(
        self,
        *,
        input_file_id: str,
        endpoint: str,
        completion_window: str = "24h",
        metadata: Mapping[str, str] | None = None,
        output_expires_after: Mapping[str, Any] | None = None,
    ) -> Batch:
        return self._server.create(input_file_id, endpoint, completion_window, metadata)

    def retrieve(self, batch_id: str) -> Batch:
        return self._server.retrieve(batch_id)

    def cancel(self, batch_id: str) -> Batch:
        return self._server.cancel(batch_id)

    def list(self, *, limit: int | None = None) -> Iterator[Batch]:
        self._server._fault("batches.list")
        batches = sorted(self._server.batches.values(), key=lambda b: b["created_at"], reverse=True)
        return iter([self._server._model(b) for b in batches])


class FakeClient:
    def __init__(self, server: FakeServer | None = None) -> None:
        self.server = server or FakeServer()
        self.files = _Files(self.server)
        self.batches = _Batches(self.server)
        self.closed = False
        self.base_url = "http://fake.invalid/v1"
        self.organization: str | None = None
        self.project: str | None = None

    def __enter__(self) -> FakeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True


#: A queue with room for everything the fakes' model sends: tests about other things send
#: every shard at once, as the queue would with a budget this large.
ROOMY = QueuePolicy(max_enqueued_tokens={"gpt-test": 10**12})


def rewrite_outputs(client: FakeClient, change: Callable[[list[bytes]], list[bytes]]) -> None:
    """Make every batch the fake server finishes write its output file's lines as ``change`` returns them."""
    server = client.server
    finish = server.finish

    def finish_then_change(batch_id: str, status: str = "completed", *, done: int | None = None) -> None:
        finish(batch_id, status, done=done)
        file_id = server.batches[batch_id].get("output_file_id")
        if file_id is not None:
            model, data = server.files[file_id]
            server.files[file_id] = (model, b"".join(change(data.splitlines(keepends=True))))

    server.finish = finish_then_change  # type: ignore[method-assign]


def submit_job(client: FakeClient, src: Path, tmp_path: Path, *, per_batch: int) -> Job:
    """``src`` submitted to the fake service in shards of ``per_batch``, one attempt per batch, its state under ``tmp_path``."""
    return Job.submit(
        client,
        src,
        state=tmp_path / "state" / "jobs.sqlite",
        limits=BatchLimits(max_requests=per_batch),
        queue=ROOMY,
        max_attempts=1,
    )


def write_chat_input(path: Path, n: int, *, bad: set[int] | None = None) -> Path:
    with path.open("wb") as out:
        for i in range(n):
            cid = f"r{i:05d}-bad" if bad and i in bad else f"r{i:05d}"
            body = {"model": "gpt-test", "messages": [{"role": "user", "content": f"question {i}"}]}
            out.write(
                json.dumps({"custom_id": cid, "method": "POST", "url": "/v1/chat/completions", "body": body}).encode()
            )
            out.write(b"\n")
    return path


def read_results(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_bytes().splitlines()]
