"""Use a new endpoint, status and purpose through the hand-written package, unchanged.

Run in a subprocess whose PYTHONPATH puts a package regenerated from an upstream that adds
them first (see test_known_values.py):

    python -m tests.contract.new_values_probe WORKDIR ENDPOINT STATUS PURPOSE

It writes an input file for ENDPOINT with `BatchInputWriter`, validates it with
`validate_input_file`, submits it with `Job.submit` (to the in-memory fake API the job
tests use) and reads the known values the public Literal types carry. It prints one JSON
object with what each step gave.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, get_args


def probe(workdir: Path, endpoint: str, status: str, purpose: str) -> dict[str, Any]:
    import openai_batch
    import openai_batch_api
    from openai_batch import BatchInputWriter, Job, validate_input_file

    from tests.behaviour.workflow_fakes import FakeClient

    path = workdir / "requests.jsonl"
    with BatchInputWriter(path, endpoint=endpoint) as writer:
        writer.add("r-1", {"model": "m-test", "input": "hello"})
        writer.add("r-2", {"model": "m-test", "input": "world"})
    report = validate_input_file(path, endpoint=endpoint)
    client = FakeClient()
    with Job.submit(client, path, state=workdir / "jobs.sqlite") as job:
        endpoints = sorted({batch["endpoint"] for batch in client.server.batches.values()})
        job_id = job.job_id
    return {
        "openai_batch_api": openai_batch_api.__file__,
        "written": writer.request_count,
        "validation_problems": [str(p) for p in report.problems],
        "submitted_endpoints": endpoints,
        "job_id": job_id,
        "status_known": status in get_args(openai_batch.BatchStatus),
        "purpose_known": purpose in get_args(openai_batch.FilePurpose),
    }


if __name__ == "__main__":
    print(json.dumps(probe(Path(sys.argv[1]), *sys.argv[2:5])))
