"""Progress of one batch or of a job's batches: a record, a callback hook, a bar for terminals
and a plain line at a steady interval for logs.

``rich`` is imported only when a bar is actually drawn, so importing the package stays fast
and the ``cli`` extra stays optional for library users.
"""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING, Literal, Protocol

import attrs

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

__all__ = [
    "BatchProgress",
    "LineProgress",
    "ProgressOption",
    "ProgressSink",
    "RichProgressBar",
    "Throughput",
    "check_progress_option",
    "format_duration",
    "make_progress_sink",
    "overall_progress",
]


@attrs.frozen
class BatchProgress:
    """A snapshot taken at each poll while waiting.

    ``status`` is the batch status (for a job: ``in_progress`` while any of its batches
    runs, else the least advanced one, or the final mix); ``done`` counts completed plus
    failed requests; ``eta`` is seconds left at the rate seen so far (``None`` until it can
    be estimated). For a job, ``queued`` counts shards not sent yet, ``finalizing`` the
    batches in that phase, and ``states`` how many shards are in each status, least
    advanced first (``(("in_progress", 2), ("pending", 3))``; ``pending``: not sent yet).

    Example::

        wait_for_batch(client, "batch_1", on_progress=lambda p: log.info("%s %d/%d", p.status, p.done, p.total))
    """

    batch_ids: tuple[str, ...]
    status: str
    total: int
    completed: int
    failed: int
    elapsed: float
    eta: float | None = None
    batches_done: int = 0
    queued: int = 0
    finalizing: int = 0
    states: tuple[tuple[str, int], ...] = ()

    @property
    def done(self) -> int:
        return self.completed + self.failed

    @property
    def label(self) -> str:
        if len(self.batch_ids) == 1:
            return self.batch_ids[0]
        return f"{len(self.batch_ids)} batches ({self.batches_done} done)"


class ProgressSink(Protocol):
    """Receives every :class:`BatchProgress`; ``close`` is called once waiting ends.

    Example::

        class LogSink:
            def update(self, progress: BatchProgress) -> None:
                logging.info("%s: %d/%d", progress.status, progress.completed, progress.total)

            def close(self) -> None:
                pass

        client.batches.wait(batch_id, progress=LogSink())
    """

    def update(self, progress: BatchProgress) -> None: ...

    def close(self) -> None: ...


#: ``None``, ``False`` or ``"never"``: no bar; ``"auto"``: a bar when stderr is a terminal;
#: ``True`` or ``"always"``: always a bar; or your own sink. The strings are the command
#: line's ``--progress`` choices, so a script may pass the flag's value straight through.
ProgressOption = None | bool | Literal["auto", "always", "never"] | ProgressSink

#: The strings ``progress=`` accepts, as ``--progress`` spells them.
PROGRESS_CHOICES = ("auto", "always", "never")


def check_progress_option(value: object) -> ProgressOption:
    """``value`` if it is a valid ``progress=`` option, else :class:`ValueError` naming what is accepted.

    Called at the top of every wait that takes ``progress=``, before anything is sent, so a
    typo fails at once instead of after a batch was created and billed.

    Example::

        check_progress_option("never")    # returns "never"
        check_progress_option("off")      # ValueError: progress='off' is not one of ...
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value in PROGRESS_CHOICES:
            return value  # type: ignore[return-value]  # narrowed by the membership test
    elif callable(getattr(value, "update", None)) and callable(getattr(value, "close", None)):
        return value  # type: ignore[return-value]  # a ProgressSink by its methods
    raise ValueError(
        f"progress={value!r} is not one of None, True, False, {', '.join(repr(c) for c in PROGRESS_CHOICES)} "
        "or a sink with update(progress) and close()"
    )


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _all_ended(progress: BatchProgress) -> bool:
    return bool(progress.batch_ids) and progress.batches_done == len(progress.batch_ids)


# Order in which a job's shard moves; its states are listed in this order, then any other.
_STATE_ORDER = ("in_progress", "validating", "finalizing", "cancelling", "pending", "completed", "failed")
# A shard not sent yet is recorded as "pending"; people read it as queued.
_STATE_WORDS = {"pending": "queued"}
_RUNNING = frozenset({"validating", "in_progress", "finalizing", "cancelling"})


def _state_counts(statuses: Sequence[str]) -> tuple[tuple[str, int], ...]:
    counts = Counter(statuses)
    rank = {state: i for i, state in enumerate(_STATE_ORDER)}
    return tuple(sorted(counts.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


def states_text(states: Sequence[tuple[str, int]]) -> str:
    """``2 in progress · 3 queued · 1 completed``: how many batches are in each state."""
    return " · ".join(f"{n} {_STATE_WORDS.get(state, state.replace('_', ' '))}" for state, n in states)


class Throughput:
    """Requests finished per second since work began, and the ETA of the rest at that rate.

    The clock starts at the first look at which some batch is running, so time spent
    validating or queued before anything ran does not dilute the rate.

    Example::

        rate = Throughput()
        rate.eta(elapsed=10, done=0, total=100, running=True)    # None: one look is no rate
        rate.eta(elapsed=20, done=20, total=100, running=True)   # 40.0: 2 per second, 80 left
    """

    def __init__(self) -> None:
        self._origin: tuple[float, int] | None = None

    def eta(self, *, elapsed: float, done: int, total: int, running: bool) -> float | None:
        if self._origin is None:
            if not running:
                return None
            self._origin = (elapsed, done)
        origin_time, origin_done = self._origin
        if done <= origin_done or elapsed <= origin_time:
            return None
        rate = (done - origin_done) / (elapsed - origin_time)
        return max(0.0, (total - done) / rate)


def overall_progress(observed: BatchProgress, statuses: Sequence[str], throughput: Throughput) -> BatchProgress:
    """A job's progress over all its shards: the count in each state, and an ETA from ``throughput``.

    ``observed`` is the poll's record of every shard (``statuses`` in the same order); a job
    is ``in_progress`` while any batch runs, even with shards still queued or validating.
    """
    running = {s for s in statuses if s in _RUNNING}
    status = observed.status
    if running:
        # One running state names the job (all validating, say); a mix of them is work in progress.
        status = next(iter(running)) if len(running) == 1 else "in_progress"
    eta = throughput.eta(elapsed=observed.elapsed, done=observed.done, total=observed.total, running=bool(running))
    return attrs.evolve(observed, status=status, eta=eta, states=_state_counts(statuses))


def progress_parts(progress: BatchProgress) -> list[tuple[int, str]]:
    """The pieces of a progress line as (priority, text), most important first (0 is never dropped).

    Shared by the bar and the plain line, so both say the same thing. A job's phase is the
    count of its batches in each state.
    """
    several = len(progress.batch_ids) > 1 and bool(progress.states)
    parts = [
        (0, states_text(progress.states) if several else progress.status.replace("_", " ")),
        (0, f"{progress.done:,}/{progress.total:,}"),
        (1, f"{progress.failed:,} failed"),
        # The ETA is worth more than the time already spent: elapsed goes first when room is short.
        (2, f"elapsed {format_duration(progress.elapsed)}"),
        # Once every batch has ended there is nothing left to estimate.
        (1, "ETA 00:00" if _all_ended(progress) else f"ETA {format_duration(progress.eta)}"),
    ]
    if progress.queued and not several:
        parts.append((2, f"{progress.queued} queued"))
    if progress.finalizing and progress.status != "finalizing" and not several:
        parts.append((2, f"{progress.finalizing} finalizing"))
    if several:
        pass  # the states say how many batches are done
    elif len(progress.batch_ids) > 1:
        parts.append((3, f"{progress.batches_done}/{len(progress.batch_ids)} batches"))
    else:
        parts.append((4, progress.label))
    return parts


def fit_parts(parts: list[tuple[int, str]], width: int, reserve: int = 0) -> list[str]:
    """The parts that fit in ``width`` columns (two spaces apart) beside ``reserve`` columns, dropping the least important first."""
    kept = list(parts)
    while len(kept) > 1 and sum(len(t) for _, t in kept) + 2 * len(kept) + reserve > width:
        worst = max(range(len(kept)), key=lambda i: (kept[i][0], i))
        if kept[worst][0] == 0:
            break
        del kept[worst]
    return [text for _, text in kept]


#: The bar's narrowest useful width, in columns.
MIN_BAR = 10


class _ProgressLine:
    """Phase, bar, done/total and failed; then elapsed, ETA, queued shards, finalizing batches and
    the batch count on the same line when the console is wide enough, else on a second line."""

    def __init__(self) -> None:
        self.progress: BatchProgress | None = None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        progress = self.progress
        if progress is None:
            return
        width = options.max_width
        parts = progress_parts(progress)
        phase, counts, failed = (text for _, text in parts[:3])
        extra = parts[3:]
        if len(phase) + MIN_BAR + len(counts) + len(failed) + 5 > width:
            # Too many states beside the bar: the job's status there, its states first below.
            extra = [(0, phase), *extra]
            phase = progress.status.replace("_", " ")
        head = f"{counts}  {failed}"
        one_line = len(phase) + MIN_BAR + len(head) + sum(len(t) + 2 for _, t in extra) + 2 <= width
        line = Table.grid(padding=(0, 1), expand=True)
        line.add_column(no_wrap=True, style="bold")
        line.add_column(no_wrap=True, min_width=MIN_BAR, ratio=1)
        line.add_column(no_wrap=True, overflow="ellipsis")
        bar = ProgressBar(total=max(progress.total, 1), completed=progress.done)
        line.add_row(phase, bar, "  ".join([head, *(t for _, t in extra)]) if one_line else head)
        yield line
        if not one_line:
            text = Text("  " + "  ".join(fit_parts(extra, width - 2)), no_wrap=True, overflow="ellipsis")
            yield text


class RichProgressBar:
    """A progress bar on ``stream`` (stderr by default) that fits the terminal, 80 columns included.

    The line shows the phase, a bar, done/total, failed, elapsed and ETA, and, as room allows,
    queued shards, finalizing batches and the batch count. While it is live, log records
    written to the same stream are printed above it instead of into it.

    Example::

        bar = RichProgressBar()
        wait_for_batch(client, "batch_1", progress=bar)
    """

    def __init__(self, stream: IO[str] | None = None, *, force_terminal: bool | None = None) -> None:
        from rich.console import Console
        from rich.live import Live

        self._stream = stream or sys.stderr
        self._console = Console(file=self._stream, force_terminal=force_terminal, highlight=False)
        self._line = _ProgressLine()
        self._live = Live(
            self._line,
            console=self._console,
            refresh_per_second=4,
            transient=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._started = False
        self._swapped: list[tuple[logging.StreamHandler[IO[str]], IO[str]]] = []

    def update(self, progress: BatchProgress) -> None:
        self._line.progress = progress
        if not self._started:
            self._live.start()
            self._route_logging()
            self._started = True
        self._live.refresh()

    def _route_logging(self) -> None:
        # A log record written straight to the stream would land inside the live line; through
        # the console it is printed above the bar, which is then redrawn.
        from rich.file_proxy import FileProxy

        for logger in (logging.getLogger(), logging.getLogger("openai_batch")):
            for handler in logger.handlers:
                if isinstance(handler, logging.StreamHandler) and handler.stream is self._stream:
                    self._swapped.append((handler, handler.stream))
                    handler.setStream(FileProxy(self._console, self._stream))

    def close(self) -> None:
        if self._started:
            self._live.stop()
            for handler, stream in self._swapped:
                handler.setStream(stream)
            self._swapped.clear()
            self._started = False


class LineProgress:
    """Progress off a terminal: one plain line on ``stream`` every ``interval`` seconds, and the last one at the end.

    Example::

        job.wait(progress=LineProgress(interval=60))   # a line a minute in a CI log
    """

    def __init__(
        self,
        interval: float = 30.0,
        stream: IO[str] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        prefix: str = "openai-batch: ",
    ) -> None:
        self._interval = interval
        self._stream = stream
        self._clock = clock
        self._prefix = prefix
        self._last_time: float | None = None
        self._last: BatchProgress | None = None
        self._printed: BatchProgress | None = None

    def update(self, progress: BatchProgress) -> None:
        self._last = progress
        now = self._clock()
        if self._last_time is None or now - self._last_time >= self._interval:
            self._last_time = now
            self._print(progress)

    def _print(self, progress: BatchProgress) -> None:
        stream = self._stream or sys.stderr
        parts = [text for _, text in progress_parts(progress)]
        stream.write(f"{self._prefix}{parts[0]} {', '.join(parts[1:])}\n")
        stream.flush()
        self._printed = progress

    def close(self) -> None:
        if self._last is not None and self._last is not self._printed:
            self._print(self._last)


class _CallbackSink:
    def __init__(self, callback: Callable[[BatchProgress], None]) -> None:
        self._callback = callback

    def update(self, progress: BatchProgress) -> None:
        self._callback(progress)

    def close(self) -> None:
        pass


class _FanOut:
    def __init__(self, sinks: list[ProgressSink]) -> None:
        self._sinks = sinks

    def update(self, progress: BatchProgress) -> None:
        for sink in self._sinks:
            sink.update(progress)

    def close(self) -> None:
        for sink in self._sinks:
            sink.close()


def _stderr_is_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def make_progress_sink(
    progress: ProgressOption, on_progress: Callable[[BatchProgress], None] | None = None
) -> ProgressSink:
    """Combine the ``progress`` option and the ``on_progress`` callback into one sink."""
    progress = check_progress_option(progress)
    sinks: list[ProgressSink] = []
    if on_progress is not None:
        sinks.append(_CallbackSink(on_progress))
    if isinstance(progress, str | bool) or progress is None:
        if progress in (True, "always") or (progress == "auto" and _stderr_is_terminal()):
            try:
                sinks.append(RichProgressBar())
            except ImportError:
                # The bar is a nicety of the `cli` extra; without rich, plain lines say the same.
                sinks.append(LineProgress())
    else:
        sinks.append(progress)
    return _FanOut(sinks)
