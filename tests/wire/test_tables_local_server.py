"""Tables in and out against the local server: structured answers flattened into columns, per-row cost,
a failed row kept with its error, and the command line's build, submit of a table and results --format."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from openai_batch import BatchClient
from openai_batch.cli import main
from openai_batch.pricing import load_prices
from openai_batch.server import LocalServer
from openai_batch.server.responses import MALFORMED_JSON_MARKER
from openai_batch.tables import RequestTemplate
from openai_batch.workflow import Job
from pydantic import BaseModel

pytestmark = pytest.mark.wire

POLL = ["--poll-interval", "0.02", "--max-interval", "0.1"]
FAST: dict[str, float] = {"poll_interval": 0.02, "max_interval": 0.05, "deadline": 60}


class Review(BaseModel):
    label: str
    stars: int


def reviews_csv(path: Path, n: int = 6) -> Path:
    texts = [f"Review {i}, with a comma\nand a second line" for i in range(n)]
    texts[4] = f"Odd one {MALFORMED_JSON_MARKER}"
    ids = [f"rev-{i}" if i != 2 else "rev-2-bad" for i in range(n)]
    pacsv.write_csv(pa.table({"review_id": ids, "text": texts, "shop": ["north", "south"] * (n // 2)}), path)
    return path


@pytest.fixture
def server(local_server_factory: Callable[..., LocalServer]) -> LocalServer:
    return local_server_factory(throughput=1000.0, fail_custom_id_pattern="-bad$")


def test_a_csv_becomes_a_parquet_of_labels_with_cost(server: LocalServer, tmp_path: Path) -> None:
    source = reviews_csv(tmp_path / "reviews.csv")
    template = RequestTemplate(
        "Classify this review: {text}", model="gpt-4o-mini", response_format=Review, max_completion_tokens=40
    )
    with (
        BatchClient(api_key="sk-local", base_url=server.base_url) as client,
        Job.submit_table(client, source, template, id_column="review_id", state=tmp_path / "jobs.sqlite") as job,
    ):
        job.wait(**FAST)
        table = job.results_table(parse=Review)
        usage = job.usage()
    rows = {row["review_id"]: row for row in table.to_pylist()}
    assert list(rows) == [f"rev-{i}" if i != 2 else "rev-2-bad" for i in range(6)]
    assert table.schema.field("stars").type == pa.int64() and table.schema.field("cost_usd").type == pa.float64()
    good = rows["rev-0"]
    assert good["outcome"] == "succeeded" and good["shop"] == "north"
    assert good["text"] == "Review 0, with a comma\nand a second line"
    assert json.loads(good["answer"]) == {"label": good["label"], "stars": good["stars"]}
    assert good["problem_kind"] is None and good["input_tokens"] > 0 and good["output_tokens"] > 0
    price = load_prices().get("gpt-4o-mini")
    assert price is not None
    expected = price.cost(
        input_tokens=good["input_tokens"], output_tokens=good["output_tokens"], cached_tokens=good["cached_tokens"]
    )
    assert good["cost_usd"] == pytest.approx(expected)
    failed = rows["rev-2-bad"]
    assert failed["outcome"] == "failed" and failed["error_message"] and failed["label"] is None
    broken = rows["rev-4"]
    assert broken["outcome"] == "succeeded" and broken["problem_kind"] == "invalid_json" and broken["label"] is None
    # Per-row costs add up to the job's own figure from the result files.
    assert usage.cost_usd is not None
    assert sum(row["cost_usd"] or 0 for row in rows.values()) == pytest.approx(usage.cost_usd)


def test_the_command_line_builds_submits_and_writes_a_table(
    server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.chdir(tmp_path)
    reviews_csv(tmp_path / "reviews.csv")
    (tmp_path / "review.schema.json").write_text(json.dumps({"title": "Review", **strict_review()}))
    template = ["--template", "Classify this review: {text}", "--model", "gpt-4o-mini", "--id-column", "review_id"]
    schema = ["--schema-file", "review.schema.json"]
    state = ["--state", "jobs.sqlite"]
    assert main(["build", "reviews.csv", *template, *schema, "-o", "requests.jsonl"]) == 0
    assert "wrote 6 request(s) for gpt-4o-mini to requests.jsonl" in capsys.readouterr().out
    built = [json.loads(line) for line in (tmp_path / "requests.jsonl").read_text().splitlines()]
    assert built[0]["body"]["response_format"]["json_schema"]["name"] == "Review"

    assert main(["--json", "submit", "reviews.csv", *template, *schema, *state, "--wait", *POLL]) == 1
    job_id = json.loads(capsys.readouterr().out)["job_id"]

    code = main(["results", job_id, *state, "--format", "csv", "--out", "labels.csv", *schema])
    assert code == 1  # one row failed
    labels = pacsv.read_csv(
        tmp_path / "labels.csv", parse_options=pacsv.ParseOptions(newlines_in_values=True)
    ).to_pylist()
    assert [row["review_id"] for row in labels][:2] == ["rev-0", "rev-1"]
    assert [row["outcome"] for row in labels].count("failed") == 1
    assert all(row["label"] for row in labels if row["outcome"] == "succeeded" and not row["problem_kind"])
    capsys.readouterr()

    # `--out -`: the table on stdout, for a pipe (run as a command: stdout takes bytes).
    command = [sys.executable, "-m", "openai_batch.cli", "results", job_id, *state, "--format", "parquet"]
    done = subprocess.run([*command, "--out", "-", "--columns", "shop"], capture_output=True, check=False, timeout=120)
    assert done.returncode == 1, done.stderr
    table = pq.read_table(io.BytesIO(done.stdout))
    assert table.column_names[:3] == ["shop", "custom_id", "outcome"] and table.num_rows == 6


def test_build_refuses_a_missing_column_with_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reviews_csv(tmp_path / "reviews.csv")
    code = main(
        [
            "build",
            str(tmp_path / "reviews.csv"),
            "--template",
            "{body}",
            "--model",
            "m",
            "-o",
            str(tmp_path / "r.jsonl"),
        ]
    )
    assert code == 4
    assert "the template names column(s) ['body'] that the table lacks" in capsys.readouterr().err
    assert not (tmp_path / "r.jsonl").exists()


def strict_review() -> dict[str, object]:
    return {
        "type": "object",
        "properties": {"label": {"type": "string"}, "stars": {"type": "integer"}},
        "required": ["label", "stars"],
        "additionalProperties": False,
    }


def test_submit_refuses_template_flags_without_a_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "requests.jsonl").write_text("")
    code = main(["submit", str(tmp_path / "requests.jsonl"), "--model", "gpt-4o-mini", "--state", str(tmp_path / "s")])
    assert code == 2
    assert "--model build requests from a table: give --template or --template-file too" in capsys.readouterr().err


def test_results_refuses_table_flags_without_a_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["results", "job_0123456789abcdef", "--out", str(tmp_path / "o"), "--columns", "a"])
    assert code == 2
    assert "--columns shape the results table: give --format parquet, csv or jsonl too" in capsys.readouterr().err
