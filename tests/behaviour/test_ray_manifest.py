"""openai_batch.ray without a cluster: the manifest names one job whatever order the shards arrive in,
refuses an edited one, records itself in a state file once; bad rows are named before anything is sent;
the key is never in what Ray ships; a missing extra is one line."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openai_batch import BatchClient
from openai_batch.workflow import BatchLimits, JobStore

pa = pytest.importorskip("pyarrow")
pytest.importorskip("ray.data")
obray = pytest.importorskip("openai_batch.ray")
from openai_batch.ray._blocks import BlockSpec, send_block  # noqa: E402
from openai_batch.ray._manifest import build_manifest, register, snapshot  # noqa: E402
from openai_batch.tables import RequestTemplate, TableInputError  # noqa: E402

ORIGIN = {"base_url": "http://127.0.0.1:9/v1", "organization": None, "project": None}


def shard(block: str, first_row: int, requests: int = 10) -> dict[str, Any]:
    name = f"ray-{block}{first_row:04d}.jsonl"
    return {
        "name": name,
        "sha256": (block * 8)[:64],
        "bytes": 1000 + first_row,
        "requests": requests,
        "model": "gpt-4o-mini",
        "token_estimate": 500,
        "file_id": f"file-{block}-{first_row}",
        "block": block,
        "first_row": first_row,
        "columns": None,
    }


def manifest_of(shards: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "endpoint": "/v1/chat/completions",
        "completion_window": "24h",
        "origin": ORIGIN,
        "limits": BatchLimits(max_requests=10),
        "metadata": {},
        "client": obray.ClientSettings(base_url=ORIGIN["base_url"]).to_dict(),
        "id_column": "id",
        "columns_dir": None,
    }
    return build_manifest(shards, **{**options, **changes})


WRITTEN = [shard("bbbb", 0), shard("aaaa", 10), shard("aaaa", 0), shard("bbbb", 10)]


def test_the_same_shards_in_any_order_name_the_same_job_and_other_options_another() -> None:
    first = manifest_of(WRITTEN)
    again = manifest_of(list(reversed(WRITTEN)))
    assert first == again
    assert [(s["block"], s["first_row"], s["index"]) for s in first["shards"]] == [
        ("aaaa", 0, 0),
        ("aaaa", 10, 1),
        ("bbbb", 0, 2),
        ("bbbb", 10, 3),
    ]
    assert first["requests"] == 40
    assert manifest_of(WRITTEN, completion_window="1h")["job_id"] != first["job_id"]
    assert manifest_of(WRITTEN[:3])["job_id"] != first["job_id"]
    # Where an upload or columns happen to be is not the job's content.
    moved = [{**s, "file_id": "file-elsewhere"} for s in WRITTEN]
    assert manifest_of(moved)["job_id"] == first["job_id"]


def test_an_edited_or_foreign_manifest_is_refused_by_name(tmp_path: Path) -> None:
    manifest = manifest_of(WRITTEN)
    path = tmp_path / "job.json"
    obray.save_manifest(manifest, path)
    assert obray.load_manifest(path) == json.loads(path.read_text())
    edited = json.loads(path.read_text())
    edited["shards"][1]["requests"] = 11
    with pytest.raises(ValueError, match="shards do not match"):
        obray.load_manifest(edited)
    with pytest.raises(ValueError, match="does not match its definition"):
        obray.load_manifest({**manifest, "job_id": "job_0000000000000000"})
    with pytest.raises(ValueError, match="not a manifest of a Ray batch job"):
        obray.load_manifest({"kind": "something else"})
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match=r"bad\.json: not JSON"):
        obray.load_manifest(tmp_path / "bad.json")


def test_registering_records_the_shards_with_their_uploads_once(tmp_path: Path) -> None:
    manifest = manifest_of(WRITTEN)
    with JobStore(tmp_path / "jobs.sqlite") as store:
        row = register(store, manifest)
        assert register(store, manifest).job_id == row.job_id == manifest["job_id"]
        assert row.sharded and row.request_count == 40
        shards = store.shards(row.job_id)
        assert [s.file_id for s in shards] == [s["file_id"] for s in manifest["shards"]]
        assert [s.first_line for s in shards] == [1, 11, 21, 31]
        store.update_shard(row.job_id, 2, batch_id="batch_x", status="in_progress")
        seen = snapshot(manifest, store)
    assert seen["shards"][2]["batch_id"] == "batch_x" and seen["shards"][2]["status"] == "in_progress"
    assert seen["shards"][0]["batch_id"] is None
    # The job's input, as the engine checks it, is the shard list itself.
    assert Path(row.input_path).read_bytes().startswith(b"[{")


def test_a_bad_row_is_named_before_anything_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    # No server at this address, and no key: an error must come before either is needed.
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    spec = BlockSpec(
        requests=RequestTemplate("Classify: {text}", model="gpt-4o-mini"),
        endpoint="/v1/chat/completions",
        limits=BatchLimits(),
        settings=obray.ClientSettings(base_url="http://127.0.0.1:9/v1"),
        id_column="id",
    )
    table = pa.table({"id": ["a", "b", "c"], "text": ["fine", None, "fine"]})
    with pytest.raises(TableInputError, match=r"row 1: column 'text' is empty \(null\)"):
        send_block(table, spec)
    with pytest.raises(TableInputError, match=r"no id column 'id'"):
        send_block(pa.table({"text": ["x"]}), spec)
    duplicated = pa.table({"id": ["a", "a"], "text": ["x", "y"]})
    with pytest.raises(TableInputError, match=r"id 'a' is used by an earlier row"):
        send_block(duplicated, spec)
    with pytest.raises(RuntimeError, match="set OPENAI_API_KEY in the environment of the Ray nodes"):
        send_block(pa.table({"id": ["a"], "text": ["x"]}), spec)


def test_what_ray_ships_to_the_workers_holds_no_key(tmp_path: Path) -> None:
    key = "sk-driver-only-0123456789abcdef"
    with BatchClient(api_key=key, base_url="http://127.0.0.1:9/v1") as client:
        sink = obray.BatchDatasink(RequestTemplate("{text}", model="gpt-4o-mini"), client=client, state=tmp_path / "s")
        shipped = pickle.dumps(sink)
    assert key.encode() not in shipped
    assert pickle.loads(shipped)._client is None
    assert sink.min_rows_per_write == BatchLimits().max_requests


def test_a_missing_extra_is_one_line_naming_it() -> None:
    code = "import sys\nsys.modules['ray'] = None\nimport openai_batch.ray\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "ImportError: batch jobs on Ray Data need ray[data]: pip install 'openai-batch-client[ray]'"
    )
