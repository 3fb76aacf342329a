"""The custom_id hash ledger: compact buckets, spilled to disk past a bound, repeats found per bucket."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai_batch.workflow import _seen_ids, _validate, validate_input_file
from openai_batch.workflow._seen_ids import HashLedger


def test_repeats_are_found_in_memory_and_after_spilling() -> None:
    ledger = HashLedger(spill_at=100)
    try:
        for key in range(1_000):
            ledger.add(key * 7919)
        spill_dir = ledger._spill_dir
        assert spill_dir is not None and any(spill_dir.iterdir())  # the bound was passed: buckets moved to disk
        for key in (5, 999, 5):
            ledger.add(key * 7919)  # 5 twice more, 999 once more: one spilled, one in memory alike
        ledger.add(-3)  # negative hashes bucket like any other
        assert ledger.repeated() == {5 * 7919, 999 * 7919}
    finally:
        ledger.close()
    assert spill_dir is not None and not spill_dir.exists()


def test_no_repeats_means_an_empty_set() -> None:
    ledger = HashLedger(spill_at=10)
    for key in range(500):
        ledger.add(key)
    assert ledger.repeated() == set()
    ledger.close()


def test_memory_held_is_eight_bytes_a_hash_until_the_spill() -> None:
    ledger = HashLedger(spill_at=1 << 30)
    for key in range(64_000):
        ledger.add(key)
    held = sum(bucket.itemsize * len(bucket) for bucket in ledger._buckets)
    assert held == 8 * 64_000
    ledger.close()


def test_the_validator_finds_duplicates_among_spilled_hashes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A small bound, so the validator's ids go to disk in the middle of the file.
    monkeypatch.setattr(_seen_ids, "_SPILL_AT", 1_000)
    lines = []
    for i in range(150_000):
        custom_id = "r-7" if i == 140_000 else f"r-{i}"  # line 140,001 repeats line 8's id
        lines.append(
            json.dumps(
                {
                    "custom_id": custom_id,
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": {"model": "m", "messages": []},
                }
            ).encode()
            + b"\n"
        )
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"".join(lines))
    spilled: list[Path] = []
    real_spill = HashLedger.maybe_spill

    def watch(self: HashLedger) -> None:
        real_spill(self)
        if self._spill_dir is not None:
            spilled.append(self._spill_dir)

    monkeypatch.setattr(HashLedger, "maybe_spill", watch)
    report = validate_input_file(path, check_file_limits=False)
    assert spilled, "the ledger never spilled: the test would not cover the disk path"
    assert [(p.line, p.code) for p in report.problems] == [(140_001, "duplicate_custom_id")]
    assert "already used on line 8" in report.problems[0].message
    assert not any(d.exists() for d in spilled)  # the temporary files are gone
    assert _validate.HashLedger is HashLedger
