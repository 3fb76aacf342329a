"""Simulated time: a clock running `speed` times faster than real time, and a manual one for tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """Simulated Unix time in seconds. Timestamps the server reports come from here."""

    @property
    def speed(self) -> float: ...

    def now(self) -> float: ...

    def set_speed(self, speed: float) -> None: ...

    def advance(self, seconds: float) -> None: ...


class ScaledClock:
    """Simulated time that starts at `start` and runs `speed` simulated seconds per real second.

    Changing the speed re-anchors, so simulated time never jumps back.

    Example::

        clock = ScaledClock(speed=3600)   # one simulated hour per real second
        clock.now()
    """

    def __init__(
        self,
        speed: float = 60.0,
        *,
        start: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._speed = speed
        self._sim_base = time.time() if start is None else start
        self._real_base = monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        with self._lock:
            return self._sim_base + (self._monotonic() - self._real_base) * self._speed

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        with self._lock:
            real = self._monotonic()
            self._sim_base += (real - self._real_base) * self._speed
            self._real_base = real
            self._speed = speed

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("simulated time cannot go back")
        with self._lock:
            self._sim_base += seconds


class ManualClock:
    """A clock that only moves when told to: lifecycle tests step through time without waiting.

    Example::

        clock = ManualClock(1_700_000_000)
        clock.advance(30)
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._speed = 1.0

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        return self._now

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self._speed = speed

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("simulated time cannot go back")
        self._now += seconds
