"""Fault rules of the local server and its simulated clocks."""

from __future__ import annotations

import pytest
from openai_batch.server import FaultInjector, ManualClock, ScaledClock


def fired(injector: FaultInjector, requests: int, path: str = "/v1/batches") -> list[int]:
    return [i for i in range(requests) if injector.decide("GET", path).error is not None]


def test_a_counted_rule_fires_that_many_times() -> None:
    injector = FaultInjector([{"kind": "error", "status": 429, "retry_after": 2, "count": 3}])
    assert fired(injector, 6) == [0, 1, 2]
    [rule] = injector.snapshot()["rules"]
    assert rule["fired"] == 3


def test_a_rate_fires_on_evenly_spaced_requests() -> None:
    injector = FaultInjector([{"kind": "error", "status": 503, "rate": 0.25}])
    assert fired(injector, 12) == [3, 7, 11]


def test_match_limits_a_rule_to_some_routes() -> None:
    injector = FaultInjector([{"kind": "drop", "match": r"^GET /v1/files/[^/]+/content$"}])
    assert injector.decide("GET", "/v1/files/file-1/content").drop
    assert not injector.decide("GET", "/v1/files/file-1").drop


def test_delays_add_up_and_combine_with_an_error() -> None:
    injector = FaultInjector(
        [{"kind": "delay", "seconds": 0.5}, {"kind": "delay", "seconds": 0.25}, {"kind": "error", "status": 500}]
    )
    decision = injector.decide("POST", "/v1/batches")
    assert decision.delay == 0.75
    assert decision.error is not None and decision.error.status == 500


def test_clear_removes_every_fault() -> None:
    injector = FaultInjector([{"kind": "error"}], token_limit_batches=2)
    injector.clear()
    assert injector.decide("GET", "/v1/batches").error is None
    assert injector.take_token_limit() is False


def test_token_limit_batches_are_taken_one_by_one() -> None:
    injector = FaultInjector(token_limit_batches=2)
    assert [injector.take_token_limit() for _ in range(3)] == [True, True, False]


@pytest.mark.parametrize(
    ("rule", "complaint"),
    [
        ({"status": 500}, "kind"),
        ({"kind": "explode"}, "kind"),
        ({"kind": "error", "status": 200}, "status"),
        ({"kind": "error", "rate": 0}, "rate"),
        ({"kind": "drop", "count": -1}, "count"),
        ({"kind": "drop", "match": "("}, "regular expression"),
        ({"kind": "delay", "seconds": -1}, "seconds"),
        ({"kind": "error", "when": "now"}, "when"),
    ],
)
def test_an_invalid_rule_is_refused_with_the_reason(rule: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        FaultInjector([rule])


class FakeMonotonic:
    def __init__(self) -> None:
        self.value = 100.0

    def __call__(self) -> float:
        return self.value


def test_scaled_clock_runs_speed_times_faster_and_never_jumps_back_on_a_speed_change() -> None:
    real = FakeMonotonic()
    clock = ScaledClock(60, start=1_000_000.0, monotonic=real)
    real.value += 2
    assert clock.now() == 1_000_120.0
    clock.set_speed(3600)
    assert clock.now() == 1_000_120.0
    real.value += 1
    assert clock.now() == 1_003_720.0
    clock.advance(80)
    assert clock.now() == 1_003_800.0
    with pytest.raises(ValueError):
        clock.set_speed(0)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_manual_clock_moves_only_when_advanced() -> None:
    clock = ManualClock(50.0)
    assert clock.now() == 50.0
    clock.advance(10)
    assert clock.now() == 60.0


def test_after_rules_are_marked_to_apply_once_the_request_is_carried_out() -> None:
    injector = FaultInjector([{"kind": "delay", "seconds": 1, "after": True}, {"kind": "drop", "after": True}])
    decision = injector.decide("POST", "/v1/batches")
    assert (decision.delay, decision.delay_after, decision.drop, decision.after) == (0.0, 1.0, True, True)
    with pytest.raises(ValueError, match="after"):
        FaultInjector([{"kind": "drop", "after": "yes"}])
