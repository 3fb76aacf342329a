"""Result lines parse into typed records with the right outcome."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai_batch.workflow import Outcome, RequestError, parse_result_line


def out_line(custom_id: str, status: int | None, body: object = None, error: object = None) -> bytes:
    response = None if status is None else {"status_code": status, "request_id": "req_1", "body": body}
    return json.dumps({"id": "batch_req_1", "custom_id": custom_id, "response": response, "error": error}).encode()


def test_success() -> None:
    result = parse_result_line(out_line("a", 200, {"x": 1}), batch_id="batch_1")
    assert result.outcome is Outcome.SUCCEEDED
    assert (result.custom_id, result.status_code, result.body, result.request_id) == ("a", 200, {"x": 1}, "req_1")
    assert result.error is None
    assert result.batch_id == "batch_1"


def test_http_error_response_carries_the_body_error() -> None:
    body = {"error": {"message": "bad model", "type": "invalid_request_error", "code": "model_not_found"}}
    result = parse_result_line(out_line("a", 404, body))
    assert result.outcome is Outcome.FAILED
    assert result.status_code == 404
    assert result.error == RequestError("model_not_found", "bad model")


@pytest.mark.parametrize(
    ("code", "outcome"),
    [("batch_expired", Outcome.EXPIRED), ("batch_cancelled", Outcome.CANCELLED), ("server_error", Outcome.FAILED)],
)
def test_error_lines(code: str, outcome: Outcome) -> None:
    result = parse_result_line(out_line("a", None, error={"code": code, "message": "m"}))
    assert result.outcome is outcome
    assert result.error == RequestError(code, "m")


def test_to_dict_round_trips_through_json() -> None:
    result = parse_result_line(out_line("a", 500, {"error": {"message": "boom"}}))
    data = json.loads(json.dumps(result.to_dict()))
    assert data["outcome"] == "failed"
    assert data["error"] == {"code": None, "message": "boom"}


def test_bad_lines_name_their_source() -> None:
    with pytest.raises(ValueError, match=r"out\.jsonl: not a JSON"):
        parse_result_line(b"{", source="out.jsonl")
    with pytest.raises(ValueError, match="no custom_id"):
        parse_result_line(b'{"response": null}')


def test_stored_lines_read_back_exactly_in_any_order(tmp_path: Path) -> None:
    import random

    from openai_batch.workflow import JobStore
    from openai_batch.workflow._join import _ResultReader

    lines = [(f'{{"custom_id": "r{i}", "pad": "{"x" * (i % 300)}"}}\n').encode() for i in range(5_000)]
    path = tmp_path / "out.jsonl"
    path.write_bytes(b"".join(lines))
    offsets, position = [], 0
    for line in lines:
        offsets.append((position, len(line)))
        position += len(line)
    with JobStore(tmp_path / "jobs.sqlite") as store:
        key = store.add_result_file("job_x", 0, "file-1", str(path), len(lines))
        for order in (list(range(len(lines))), random.Random(7).sample(range(len(lines)), len(lines))):
            reader = _ResultReader(store, "job_x")
            try:
                assert all(reader.read(key, *offsets[i]) == lines[i] for i in order)
            finally:
                reader.close()


@pytest.mark.parametrize(
    "line",
    [
        # compact, as the local server writes it; spaced, as the service does; other layouts take the slow path
        b'{"id":"batch_req_1","custom_id":"a-1","response":{"status_code":200,"request_id":"r1",'
        b'"body":{"id":"c","choices":[{"message":{"content":"}, \\"error\\": null}"}}]}},"error":null}\n',
        b'{"id": "batch_req_2", "custom_id": "a-2", "response": {"status_code": 201, "request_id": "r2", '
        b'"body": {"x": [1, 2, {"y": null}]}}, "error": null}',
        b'{"custom_id": "a-3", "id": "batch_req_3", "response": {"status_code": 200, "request_id": "r3", '
        b'"body": {}}, "error": null}\n',
        b'{"id": "b", "custom_id": "a-4", "response": {"status_code": 500, "request_id": "r4", '
        b'"body": {"error": {"message": "boom"}}}, "error": null}\n',
    ],
)
def test_written_records_equal_the_parsed_results_whatever_the_path(line: bytes) -> None:
    from openai_batch.workflow._results import fast_success_record

    expected = parse_result_line(line, batch_id="batch_9", attempts=2).to_dict()
    fast = fast_success_record(line, "batch_9", 2)
    if fast is not None:
        assert json.loads(fast) == expected
    # The first two are the service's layout: they take the fast path.
    assert (fast is not None) == (b'"id":"batch_req_1"' in line or b'"id": "batch_req_2"' in line)


_SERVICE_LINES = [
    # compact, as the local server writes it (a brace and an "error" inside the answer's text)
    b'{"id":"batch_req_1","custom_id":"a-1","response":{"status_code":200,"request_id":"r1",'
    b'"body":{"id":"c","choices":[{"message":{"content":"}, \\"error\\": null}"}}]}},"error":null}\n',
    # spaced, as the service writes it; an array body; non-ASCII text
    b'{"id": "batch_req_2", "custom_id": "a-2", "response": {"status_code": 201, "request_id": "r2", '
    b'"body": [1, 2, {"y": "caf\xc3\xa9"}]}, "error": null}\n',
    b'{"id":"batch_req_3","custom_id":"a-3","response":{"status_code":200,"request_id":"r3","body":{} },'
    b'"error":null}\n',
]


def test_a_block_of_success_lines_is_rewritten_exactly_as_line_by_line() -> None:
    from openai_batch.workflow._results import fast_success_block, fast_success_record

    expected = b"".join(fast_success_record(line, "batch_9", 1) or b"" for line in _SERVICE_LINES)
    assert expected.count(b"\n") == len(_SERVICE_LINES)
    lines = len(_SERVICE_LINES)
    assert fast_success_block(b"".join(_SERVICE_LINES), "batch_9", lines) == (expected, lines)
    # Uncounted, the block's one pass counts its lines; a count that disagrees leaves it to the line path.
    assert fast_success_block(b"".join(_SERVICE_LINES), "batch_9") == (expected, lines)
    assert fast_success_block(b"".join(_SERVICE_LINES), "batch_9", lines + 1) is None


def test_a_compact_block_takes_the_compact_pattern_and_writes_what_the_lines_would() -> None:
    from openai_batch.workflow import _results
    from openai_batch.workflow._results import fast_success_block, fast_success_record

    compact = [_SERVICE_LINES[0], _SERVICE_LINES[0].replace(b"a-1", b"a-9").replace(b"200", b"204")]
    expected = b"".join(fast_success_record(line, "batch_9", 1) or b"" for line in compact)
    assert _results._OTHER_LINE not in _results._COMPACT_SUCCESS_LINES.findall(b"".join(compact))
    assert fast_success_block(b"".join(compact), "batch_9", 2) == (expected, 2)
    # The spaced line alone is not compact: the whitespace-tolerant pattern takes the block.
    assert _results._COMPACT_SUCCESS_LINES.findall(_SERVICE_LINES[1]) == [_results._OTHER_LINE]
    assert fast_success_block(_SERVICE_LINES[1], "batch_9") == (fast_success_record(_SERVICE_LINES[1], "batch_9", 1), 1)


def test_block_ids_reads_one_id_per_line_or_leaves_the_block_to_the_line_path() -> None:
    from openai_batch.workflow._result_index import block_ids

    assert block_ids(b"".join(_SERVICE_LINES)) == [b"a-1", b"a-2", b"a-3"]
    no_id = b'{"custom_id":"a-7","response":null,"error":{"code":"x"}}\n'
    assert block_ids(_SERVICE_LINES[0] + no_id) == [b"a-1", b"a-7"]
    # Another key order, a blank line, an empty id, an escaped id: the caller goes line by line.
    for odd in (
        b'{"response": null, "custom_id": "a-5"}\n',
        b"\n",
        b'{"id":"batch_req_8","custom_id":"","response":null}\n',
        b'{"id":"batch_req_8","custom_id":"a\\"8","response":null}\n',
    ):
        assert block_ids(_SERVICE_LINES[0] + odd) is None, odd
    # A line break inside a line's leading keys splits it in two lines, neither in the layout.
    assert block_ids(b'{\n"custom_id":"a-1"}\n') is None


@pytest.mark.parametrize(
    "odd",
    [
        # a failure, another key order, a line cut short, no final newline
        b'{"id": "b", "custom_id": "a-4", "response": {"status_code": 500, "request_id": "r4", '
        b'"body": {"error": {"message": "boom"}}}, "error": null}\n',
        b'{"custom_id": "a-5", "id": "batch_req_5", "response": {"status_code": 200, "request_id": "r5", '
        b'"body": {}}, "error": null}\n',
        b'{"id":"batch_req_6","custom_id":"a-6","response":{"status_code":200,"request_id":"r6","body":{"x"\n',
        _SERVICE_LINES[0].rstrip(b"\n"),
    ],
)
def test_a_block_with_any_other_line_is_left_to_the_line_by_line_path(odd: bytes) -> None:
    from openai_batch.workflow._results import fast_success_block

    block = _SERVICE_LINES[0] + odd
    assert fast_success_block(block, "batch_9", 2) is None
    assert fast_success_block(block, "batch_9") is None


def test_the_reader_keeps_read_ahead_windows_of_two_files_only(tmp_path: Path) -> None:
    # One mebibyte window per result file would grow with the batches of the job.
    from openai_batch.workflow import JobStore
    from openai_batch.workflow._join import _ResultReader

    with JobStore(tmp_path / "jobs.sqlite") as store:
        keys = []
        for index in range(20):
            path = tmp_path / f"out-{index}.jsonl"
            lines = [f'{{"custom_id": "f{index}-{i}"}}\n'.encode() for i in range(50)]
            path.write_bytes(b"".join(lines))
            keys.append((store.add_result_file("job_x", index, f"file-{index}", str(path), 50), lines))
        reader = _ResultReader(store, "job_x")
        try:
            for key, lines in keys:
                offset = 0
                for line in lines:
                    assert reader.read(key, offset, len(line)) == line
                    offset += len(line)
                assert len(reader._window) <= 2
            assert set(reader._window) == {keys[-2][0], keys[-1][0]}
        finally:
            reader.close()
