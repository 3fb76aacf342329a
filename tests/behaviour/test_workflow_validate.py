"""The input validator: every rule, reported with its line, counted past the cap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai_batch.workflow import BatchLimits, validate_input_file
from openai_batch.workflow import _validate as validate_module

CHAT = "/v1/chat/completions"


def line(custom_id: object = "r", *, url: object = CHAT, method: object = "POST", body: object = None) -> bytes:
    item: dict[str, object] = {"custom_id": custom_id, "method": method, "url": url}
    item["body"] = {"model": "m", "messages": []} if body is None else body
    return json.dumps(item).encode() + b"\n"


def write(tmp_path: Path, *lines: bytes) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"".join(lines))
    return path


def codes(report: object) -> list[tuple[int, str]]:
    return [(p.line, p.code) for p in report.problems]  # type: ignore[attr-defined]


def test_a_good_file_has_no_problems_and_is_measured(tmp_path: Path) -> None:
    path = write(tmp_path, line("a"), line("b"), line("c"))
    report = validate_input_file(path)
    assert report.ok
    assert report.request_count == 3
    assert report.byte_size == path.stat().st_size
    assert report.endpoint == CHAT
    assert report.model == "m"


def test_each_broken_rule_is_reported_on_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        line("ok-1"),
        b"{not json\n",
        b"[1, 2]\n",
        line(None),
        line(""),
        line("m", method="GET"),
        line("u", url="/v1/embeddings"),
        line("b", body="text"),
        line("nm", body={"messages": []}),
        line("m2", body={"model": "other", "messages": []}),
        b"\n",
        line("ok-1"),
    )
    report = validate_input_file(path)
    assert codes(report) == [
        (2, "invalid_json"),
        (3, "not_an_object"),
        (4, "missing_custom_id"),
        (5, "invalid_custom_id"),
        (6, "invalid_method"),
        (7, "url_mismatch"),
        (8, "invalid_body"),
        (9, "missing_model"),
        (10, "model_mismatch"),
        (11, "empty_line"),
        (12, "duplicate_custom_id"),
    ]
    assert "already used on line 1" in report.problems[-1].message
    assert "line 1" in report.problems[8].message  # where the first model was set
    text = report.format()
    assert f"{path}:2: [invalid_json]" in text


def test_given_endpoint_must_match_every_url(tmp_path: Path) -> None:
    report = validate_input_file(write(tmp_path, line("a")), endpoint="/v1/embeddings")
    assert codes(report) == [(1, "url_mismatch")]


def test_unknown_endpoint_on_first_line(tmp_path: Path) -> None:
    report = validate_input_file(write(tmp_path, line("a", url="/v1/unknown")))
    assert codes(report) == [(1, "invalid_url")]


def test_empty_file_is_a_problem(tmp_path: Path) -> None:
    report = validate_input_file(write(tmp_path))
    assert codes(report) == [(0, "empty_file")]


def test_request_byte_and_embedding_limits(tmp_path: Path) -> None:
    limits = BatchLimits(max_requests=2, max_bytes=10_000, max_embedding_inputs=5)
    path = write(tmp_path, line("a"), line("b"), line("c"))
    assert codes(validate_input_file(path, limits=limits)) == [(3, "too_many_requests")]
    small = BatchLimits(max_bytes=len(line("a")) * 2)
    assert codes(validate_input_file(path, limits=small)) == [(3, "file_too_large")]
    emb = [line(f"e{i}", url="/v1/embeddings", body={"model": "m", "input": ["x", "y", "z"]}) for i in range(2)]
    assert codes(validate_input_file(write(tmp_path, *emb), limits=limits)) == [(2, "too_many_embedding_inputs")]


def test_without_file_limits_only_single_oversized_lines_count(tmp_path: Path) -> None:
    limits = BatchLimits(max_requests=1, max_bytes=len(line("a")) + 5)
    big = line("big", body={"model": "m", "messages": [{"role": "user", "content": "x" * 100}]})
    path = write(tmp_path, line("a"), line("b"), big)
    report = validate_input_file(path, limits=limits, check_file_limits=False)
    assert codes(report) == [(3, "line_too_large")]


def test_problem_list_is_capped_but_all_are_counted(tmp_path: Path) -> None:
    path = write(tmp_path, *(b"nope\n" for _ in range(250)))
    report = validate_input_file(path, max_problems=10)
    assert len(report.problems) == 10
    assert report.problem_count == 250
    assert report.truncated
    assert "and 240 more" in report.format(limit=10)


def test_hash_collisions_never_report_false_duplicates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every id hashes alike: only the confirming second pass can tell real duplicates apart.
    monkeypatch.setattr(validate_module, "hash", lambda value: 0, raising=False)
    path = write(tmp_path, line("a"), line("b"), line("c"), line("b"))
    report = validate_input_file(path)
    assert codes(report) == [(4, "duplicate_custom_id")]
    assert "already used on line 2" in report.problems[0].message


def test_lines_without_trailing_newline_and_crlf(tmp_path: Path) -> None:
    path = write(tmp_path, line("a").replace(b"\n", b"\r\n"), line("b").rstrip(b"\n"))
    report = validate_input_file(path)
    assert report.ok, report.format()
    assert report.request_count == 2


def test_report_to_dict_is_json_ready(tmp_path: Path) -> None:
    report = validate_input_file(write(tmp_path, b"x\n"))
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False
    assert data["problems"][0] == {"line": 1, "code": "invalid_json", "message": data["problems"][0]["message"]}
