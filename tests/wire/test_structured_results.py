"""Structured outputs end to end against the local server: the builders ask for a model's JSON,
the server answers from the schema (deliberately malformed for marked prompts), and
`job.results(parse=Model)` / `openai-batch results --schema` report exactly the marked inputs."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from openai_batch import BatchClient
from openai_batch.cli import main
from openai_batch.server import LocalServer
from openai_batch.server.responses import LENGTH_MARKER, MALFORMED_JSON_MARKER, REFUSAL_MARKER
from openai_batch.workflow import BatchInputWriter, Job, Outcome, ProblemKind
from pydantic import BaseModel

pytestmark = pytest.mark.wire

FAST_POLL = {"poll_interval": 0.02, "max_interval": 0.05, "deadline": 60}
KEY = "sk-local-structured"


class City(BaseModel):
    name: str
    population: int
    coastal: bool
    tags: list[str]
    nickname: str | None = None


# Four of fifty inputs carry a marker that makes the server's answer malformed.
MALFORMED = {
    "q-007": (MALFORMED_JSON_MARKER, ProblemKind.INVALID_JSON),
    "q-019": (REFUSAL_MARKER, ProblemKind.REFUSAL),
    "q-031": (LENGTH_MARKER, ProblemKind.TRUNCATED),
    "q-044": (MALFORMED_JSON_MARKER, ProblemKind.INVALID_JSON),
}


def prompt(custom_id: str) -> str:
    marker = MALFORMED.get(custom_id, ("", None))[0]
    return f"Describe city {custom_id} {marker}".strip()


@pytest.fixture
def client(local_server_factory: Callable[..., LocalServer]) -> Iterator[BatchClient]:
    server = local_server_factory(throughput=1000.0)
    with BatchClient(api_key=KEY, base_url=server.base_url) as made:
        yield made


def test_chat_job_with_four_malformed_answers_reports_exactly_those(client: BatchClient, tmp_path: Path) -> None:
    ids = [f"q-{i:03d}" for i in range(50)]
    with BatchInputWriter(tmp_path / "in.jsonl", endpoint="/v1/chat/completions") as writer:
        for custom_id in ids:
            messages = [{"role": "user", "content": prompt(custom_id)}]
            writer.chat(custom_id, model="gpt-4o-mini", messages=messages, response_format=City)
    with Job.submit(client, tmp_path / "in.jsonl", state=tmp_path / "jobs.sqlite") as job:
        job.wait(**FAST_POLL)
        job.download_results()
        items = list(job.results(parse=City))
    assert [item.custom_id for item in items] == ids
    assert all(item.outcome is Outcome.SUCCEEDED for item in items)
    problems = {item.custom_id: item.problem.kind for item in items if item.problem is not None}
    assert problems == {custom_id: kind for custom_id, (_, kind) in MALFORMED.items()}
    parsed = {item.custom_id: item.parsed for item in items if item.parsed is not None}
    assert set(parsed) == set(ids) - set(MALFORMED)
    # The answer is the server's fill of the strict schema, derived from the prompt text.
    first = parsed["q-000"]
    assert isinstance(first, City)
    assert first.name == "Describe city q-000:name" and first.population == len("Describe city q-000:population")
    assert all(item.parsed is None for item in items if item.problem is not None)


def test_responses_job_reports_refusal_and_incomplete_items(client: BatchClient, tmp_path: Path) -> None:
    markers = {"r-2": REFUSAL_MARKER, "r-5": LENGTH_MARKER, "r-8": MALFORMED_JSON_MARKER}
    ids = [f"r-{i}" for i in range(10)]
    with BatchInputWriter(tmp_path / "in.jsonl", endpoint="/v1/responses") as writer:
        for custom_id in ids:
            writer.responses(
                custom_id, model="gpt-4o-mini", input=f"city {custom_id} {markers.get(custom_id, '')}", text_format=City
            )
    with Job.submit(client, tmp_path / "in.jsonl", state=tmp_path / "jobs.sqlite") as job:
        job.wait(**FAST_POLL)
        job.download_results()
        items = list(job.results(parse=City))
        typed = list(job.typed_results())
    kinds = {item.custom_id: item.problem.kind for item in items if item.problem is not None}
    assert kinds == {"r-2": ProblemKind.REFUSAL, "r-5": ProblemKind.TRUNCATED, "r-8": ProblemKind.INVALID_JSON}
    assert sum(item.parsed is not None for item in items) == 7
    # Every body, malformed answer or not, fits the generated Response model.
    assert [t.problem for t in typed] == [None] * 10
    assert {t.parsed.status for t in typed if t.parsed is not None} == {"completed", "incomplete"}


def test_cli_results_with_schema_writes_parsed_lines_and_counts_problems(
    local_server_factory: Callable[..., LocalServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = local_server_factory(throughput=1000.0)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    (tmp_path / "city_models.py").write_text(
        "from pydantic import BaseModel\n\nclass City(BaseModel):\n    name: str\n    population: int\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # load_schema adds the current directory
    monkeypatch.delitem(sys.modules, "city_models", raising=False)
    ids = ["a", "b", "c"]
    with BatchInputWriter(tmp_path / "in.jsonl", endpoint="/v1/chat/completions") as writer:
        for custom_id in ids:
            text = f"city {custom_id} {REFUSAL_MARKER if custom_id == 'b' else ''}"
            writer.chat(
                custom_id, model="gpt-4o-mini", messages=[{"role": "user", "content": text}], response_format=City
            )
    state = str(tmp_path / "jobs.sqlite")
    assert main(["submit", "in.jsonl", "--state", state, "--wait", "--poll-interval", "0.02", "--json"]) == 0
    job_id = json.loads(capsys.readouterr().out)["job_id"]
    code = main(["results", job_id, "--state", state, "--out", "out.jsonl", "--schema", "city_models:City", "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["problems"] == 1 and summary["counts"] == {"succeeded": 3}
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [line["custom_id"] for line in lines] == ids
    assert lines[1]["parsed"] is None and lines[1]["problem"]["kind"] == "refusal"
    assert set(lines[0]["parsed"]) == {"name", "population"} and lines[0]["problem"] is None

    assert main(["results", job_id, "--state", state, "--out", "x.jsonl", "--schema", "city_models:Nope"]) == 2
    assert "city_models.Nope is nothing, not a pydantic model class" in capsys.readouterr().err
    assert main(["results", job_id, "--state", state, "--out", "x.jsonl", "--schema", "no_colon"]) == 2
    assert "expected module:Model" in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()
