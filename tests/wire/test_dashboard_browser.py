"""The dashboard in a real browser (headless Chromium): a finished 20-shard job, and one still running
while another process runs `openai-batch submit --wait` on the same state file.

What a person sees is compared with what `openai-batch status --json` prints, field by field;
the chart and the timeline must be drawn; screenshots at 1280x800 and 390x844 are kept in
test-artifacts/dashboard/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from openai_batch.cli import main
from openai_batch.dashboard import DashboardServer
from openai_batch.server import LocalServer, ManualClock
from openai_batch.workflow import JobStore
from openai_batch.workflow._budget import usd

from tests.fixtures.browser import screenshot
from tests.fixtures.local_server import input_file
from tests.fixtures.servers import stop

if TYPE_CHECKING:
    from playwright.sync_api import Page


def expect(locator: Any) -> Any:
    # Imported when used: without playwright the fixtures skip (or fail, under CI) with a clear message.
    from playwright.sync_api import expect as playwright_expect

    # Every wait is for a condition, with room for a busy machine (Playwright's default is 5 s).
    playwright_expect.set_options(timeout=15_000)
    return playwright_expect(locator)


pytestmark = pytest.mark.wire

KEY = "sk-local-dashboard-test"
REQUESTS, PER_BATCH = 200, 10  # 20 shards
# Requests whose custom_id ends in 7 fail (one in ten): both lines of the chart have something to show.
FAILING = r"7$"
PHONE = (390, 844)
DESKTOP = (1280, 800)
OUTCOMES = ("succeeded", "failed", "expired", "cancelled", "missing", "pending")


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Callable[[LocalServer], None]:
    def use(server: LocalServer) -> None:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)

    return use


def _input(tmp_path: Path) -> Path:
    src = tmp_path / "requests.jsonl"
    src.write_bytes(input_file(f"r{i:04d}" for i in range(REQUESTS)))
    return src


def status_json(state: Path, job_id: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """What `openai-batch status JOB --json` prints (it polls and downloads first, as a person's run would)."""
    capsys.readouterr()
    assert main(["status", job_id, "--state", str(state), "--json"]) in (0, 1)
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def expected_fields(report: dict[str, Any]) -> dict[str, str]:
    """The figures of the status document as the page must show them."""
    outcomes = report["outcomes"] or {}
    cost = report["usage"]["total"]["cost_usd"]
    return {
        "status": report["status"].replace("_", " "),
        "request_count": f"{report['request_count']:,}",
        "completed": f"{report['completed']:,}",
        "failed": f"{report['failed']:,}",
        **{f"outcomes.{name}": f"{outcomes.get(name, 0):,}" for name in OUTCOMES},
        "usage.total.cost_usd": "not known" if cost is None else usd(cost),
        "endpoint": report["endpoint"],
    }


def shown_fields(page: Page, scope: str) -> dict[str, str]:
    """Every ``data-field`` inside ``scope`` and the text a person sees there."""
    fields: dict[str, str] = page.eval_on_selector_all(
        f"{scope} [data-field]", "els => Object.fromEntries(els.map(e => [e.dataset.field, e.innerText.trim()]))"
    )
    return fields


def assert_shows(page: Page, scope: str, report: dict[str, Any], *, timeout: float = 20.0) -> None:
    """The page shows the status document's figures (waiting for a live update to bring them).

    Each figure is awaited through Playwright's own retrying assertion (never a fixed sleep: a
    live update arrives when the other process has written, however long that takes on a busy
    machine); then all of them are read at once, so they are known to hold together.
    """
    wanted = expected_fields(report)
    for name, text in wanted.items():
        field = page.locator(f'{scope} [data-field="{name}"]')
        expect(field).to_have_text(text, use_inner_text=True, timeout=timeout * 1000)
    shown = shown_fields(page, scope)
    assert {name: shown.get(name) for name in wanted} == wanted


# Measured in one go inside the page: a live update replaces #live's content wholesale, so
# separate queries may straddle a swap (an element measured after it was replaced has no box).
_MEASURE = """live => {
  const box = el => { if (!el) return null; const r = el.getBoundingClientRect(); return [r.width, r.height]; };
  const chart = live.querySelector('svg[data-chart="progress"]');
  const points = series => {
    const line = chart && chart.querySelector(`polyline[data-series="${series}"]`);
    return ((line && line.getAttribute("points")) || "").split(" ").filter(Boolean).length;
  };
  const rows = 'table[data-timeline="rows"] tbody tr';
  return {
    chart: box(chart),
    completed: points("completed"),
    failed: points("failed"),
    rows: live.querySelectorAll(rows).length,
    phases: live.querySelectorAll(rows + " svg.bar rect.phase").length,
    bar: box(live.querySelector(rows + " svg.bar")),
  };
}"""


def assert_drawn(page: Page, *, batches: int) -> None:
    """The progress chart has both lines with points, and the timeline one drawn bar per batch."""
    expect(page.locator('#live table[data-timeline="rows"] tbody tr')).to_have_count(batches)
    drawn: dict[str, Any] = page.locator("#live").evaluate(_MEASURE)
    assert drawn["chart"] is not None and drawn["chart"][0] > 300 and drawn["chart"][1] > 100, drawn
    assert drawn["completed"] >= 2 and drawn["failed"] >= 2, drawn
    assert drawn["rows"] == batches and drawn["phases"] >= batches, drawn
    assert drawn["bar"] is not None and drawn["bar"][0] > 50 and drawn["bar"][1] > 0, drawn


def assert_usage_rows(page: Page, report: dict[str, Any]) -> None:
    for model in report["usage"]["models"]:
        row = page.locator(f'tr[data-model="{model["model"]}"]')
        cost = model["cost_usd"]
        expect(row.locator('[data-field="cost_usd"]')).to_have_text("not priced" if cost is None else usd(cost))


@pytest.fixture
def finished_job(
    local_server_factory: Callable[..., LocalServer],
    api: Callable[[LocalServer], None],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[tuple[Path, str]]:
    """A 20-shard job run to its end with `submit --wait` (shards start one validation apart)."""
    server = local_server_factory(
        speed=400.0, validating_seconds=20, finalizing_seconds=10, fail_custom_id_pattern=FAILING
    )
    api(server)
    state = tmp_path / "jobs.sqlite"
    code = main(
        [
            "submit",
            str(_input(tmp_path)),
            "--state",
            str(state),
            "--max-requests-per-batch",
            str(PER_BATCH),
            "--wait",
            "--poll-interval",
            "0.05",
            "--max-interval",
            "0.1",
            "--progress",
            "never",
            "--json",
        ]
    )
    assert code == 1  # some requests failed, as asked
    job_id = json.loads(capsys.readouterr().out)["job_id"]
    yield state, job_id


def test_a_finished_20_shard_job_shows_what_status_json_says(
    finished_job: tuple[Path, str], open_page: Callable[..., Page], capsys: pytest.CaptureFixture[str]
) -> None:
    state, job_id = finished_job
    report = status_json(state, job_id, capsys)
    assert len(report["shards"]) == 20 and report["outcomes"]["failed"] == REQUESTS // 10
    with DashboardServer(state) as dashboard:
        for width, height in (DESKTOP, PHONE):
            page = open_page(width, height)
            page.goto(dashboard.url)
            card = f'article[data-job="{job_id}"]'
            assert_shows(page, card, report)
            expect(page.locator(f'{card} [data-field="done"]')).to_have_text(
                f"{report['completed'] + report['failed']:,}"
            )
            screenshot(page, f"jobs-finished-{width}x{height}")

            page.click(f"{card} h2 a")
            page.wait_for_url(f"**/jobs/{job_id}")
            assert_shows(page, "#live", report)
            assert_drawn(page, batches=20)
            assert_usage_rows(page, report)
            failures = page.locator(".failure[data-code]")
            expect(failures).to_have_count(1)
            expect(failures.locator('[data-field="count"]')).to_have_text(f"{report['outcomes']['failed']:,}")
            expect(failures.locator("li")).to_have_count(3)
            screenshot(page, f"job-finished-{width}x{height}")
            screenshot(page, f"job-finished-{width}x{height}-full", full_page=True)

            # The page's JSON is the status document itself.
            served = page.request.get(f"{dashboard.origin}/jobs/{job_id}.json")
            assert served.status == 200 and served.json() == report


def test_without_the_token_the_browser_gets_401(finished_job: tuple[Path, str], open_page: Callable[..., Page]) -> None:
    state, job_id = finished_job
    with DashboardServer(state) as dashboard:
        page = open_page(*DESKTOP)
        answer = page.goto(f"{dashboard.origin}/jobs/{job_id}")
        assert answer is not None and answer.status == 401
        assert job_id not in page.content()
        screenshot(page, "no-token-401")


def _wait_for(condition: Callable[[], bool], what: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll the state file until ``condition`` holds; fail at once, with its output, if ``process`` ended."""
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, f"submit --wait exited with {process.returncode}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{log.read_text()}"
        time.sleep(0.05)


def _batches_validating(state: Path, count: int) -> bool:
    """Whether the other process has recorded ``count`` batches as validating.

    Not merely created: a batch's id is committed a moment before its status (two writes), so a
    page loaded in between would show the last shard as still being sent.
    """
    if not state.exists():
        return False
    with JobStore(state) as store:
        jobs = store.list_jobs()
        shards = store.shards(jobs[0].job_id) if jobs else []
        return sum(1 for s in shards if s.batch_id and s.status == "validating") == count


def test_a_running_job_updates_live_while_submit_wait_runs_in_another_process(
    local_server_factory: Callable[..., LocalServer],
    api: Callable[[LocalServer], None],
    open_page: Callable[..., Page],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Simulated time moves only when the test says so: the job stands still between the steps.
    clock = ManualClock(1_800_000_000)
    server = local_server_factory(
        clock=clock, validating_seconds=60, finalizing_seconds=30, throughput=0.1, fail_custom_id_pattern=FAILING
    )
    api(server)
    state = tmp_path / "jobs.sqlite"
    command = [
        sys.executable,
        "-m",
        "openai_batch.cli",
        "submit",
        str(_input(tmp_path)),
        "--state",
        str(state),
        "--max-requests-per-batch",
        str(PER_BATCH),
        "--max-enqueued-tokens",
        "gpt-4o-mini=1000000000",
        "--wait",
        "--poll-interval",
        "0.05",
        "--max-interval",
        "0.1",
        "--progress",
        "never",
    ]
    # Its output goes to a file: a pipe nobody reads fills up and stops the process mid-job.
    log = tmp_path / "submit.log"
    with log.open("wb") as output:
        submit = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=dict(os.environ))
    try:
        _wait_for(lambda: _batches_validating(state, 20), "the 20 batches to be recorded", submit, log)
        with JobStore(state) as store:
            job_id = store.list_jobs()[0].job_id
        with DashboardServer(state) as dashboard:
            desktop = open_page(*DESKTOP)
            desktop.goto(f"{dashboard.url}")
            desktop.goto(f"{dashboard.origin}/jobs/{job_id}")
            phone = open_page(*PHONE)
            phone.goto(f"{dashboard.url}")
            phone.goto(f"{dashboard.origin}/jobs/{job_id}")
            for page in (desktop, phone):
                page.wait_for_selector('#live-state[data-state="live"]')
                page.evaluate("window.loadedOnce = true")  # gone if the page were loaded again
                expect(page.locator('#live [data-field="status"]')).to_have_text("validating")

            # Past validation, then 80 simulated seconds: 8 of each batch's 10 requests ran (r...7 failed).
            clock.advance(60)
            clock.advance(80)
            for page in (desktop, phone):
                # Polled from here: the page's policy forbids the eval that wait_for_function needs.
                expect(page.locator('#live [data-field="completed"]')).to_have_text("140", timeout=30_000)
            report = status_json(state, job_id, capsys)
            assert (report["status"], report["completed"], report["failed"]) == ("in_progress", 140, 20)
            for page in (desktop, phone):
                assert_shows(page, "#live", report)
                assert_drawn(page, batches=20)
                assert page.evaluate("window.loadedOnce") is True
                assert int(page.locator("#live").get_attribute("data-updates") or "0") >= 1
            screenshot(desktop, "job-running-1280x800")
            screenshot(desktop, "job-running-1280x800-full", full_page=True)
            screenshot(phone, "job-running-390x844")

            # The rest of the run: the other process polls, downloads and ends; the pages follow.
            clock.advance(20)
            clock.advance(30)
            assert submit.wait(timeout=60) == 1, log.read_text()  # some requests failed
            report = status_json(state, job_id, capsys)
            assert report["status"] == "completed" and report["outcomes"]["succeeded"] == 180
            for page in (desktop, phone):
                assert_shows(page, "#live", report)
                assert page.evaluate("window.loadedOnce") is True
                assert_drawn(page, batches=20)
                assert_usage_rows(page, report)
            screenshot(desktop, "job-ended-live-1280x800")
            screenshot(phone, "job-ended-live-390x844")
    finally:
        stop(submit)
