"""Progress of one batch or of a job's batches: a record, a callback hook, and a rich bar.

``rich`` is imported only when a bar is actually drawn, so importing the package stays fast
and the ``cli`` extra stays optional for library users.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Literal, Protocol

import attrs

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = [
    "BatchProgress",
    "ProgressOption",
    "ProgressSink",
    "RichProgressBar",
    "format_duration",
    "make_progress_sink",
]


@attrs.frozen
class BatchProgress:
    """A snapshot taken at each poll while waiting.

    ``status`` is the batch status (for several batches: the least advanced one still
    running, or the final mix); ``done`` counts completed plus failed requests; ``eta`` is
    seconds left at the rate seen so far (``None`` until it can be estimated).

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


#: ``None``: no bar; ``"auto"``: a bar when stderr is a terminal; ``True``: always a bar; or your own sink.
ProgressOption = None | bool | Literal["auto"] | ProgressSink


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class RichProgressBar:
    """A rich progress bar on ``stream`` (stderr by default): phase, done/total, failed, elapsed, ETA.

    Example::

        bar = RichProgressBar()
        wait_for_batch(client, "batch_1", progress=bar)
    """

    def __init__(self, stream: IO[str] | None = None, *, force_terminal: bool | None = None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn

        console = Console(file=stream or sys.stderr, force_terminal=force_terminal)
        self._progress: Progress = Progress(
            TextColumn("{task.description}"),
            TextColumn("[bold]{task.fields[status]}"),
            BarColumn(),
            TextColumn("{task.completed:.0f}/{task.total:.0f}"),
            TextColumn("[red]{task.fields[failed]} failed"),
            TextColumn("elapsed {task.fields[elapsed]}"),
            TextColumn("ETA {task.fields[eta]}"),
            console=console,
            transient=False,
        )
        self._task: TaskID | None = None
        self._started = False

    def update(self, progress: BatchProgress) -> None:
        if not self._started:
            self._progress.start()
            self._started = True
        status = progress.status.replace("_", " ")
        elapsed, eta = format_duration(progress.elapsed), format_duration(progress.eta)
        total = max(progress.total, 1)
        if self._task is None:
            self._task = self._progress.add_task(
                progress.label,
                total=total,
                completed=progress.done,
                status=status,
                failed=progress.failed,
                elapsed=elapsed,
                eta=eta,
            )
        else:
            self._progress.update(
                self._task,
                description=progress.label,
                total=total,
                completed=progress.done,
                status=status,
                failed=progress.failed,
                elapsed=elapsed,
                eta=eta,
            )

    def close(self) -> None:
        if self._started:
            self._progress.stop()
            self._started = False


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
    sinks: list[ProgressSink] = []
    if on_progress is not None:
        sinks.append(_CallbackSink(on_progress))
    if progress is True or (progress == "auto" and _stderr_is_terminal()):
        try:
            sinks.append(RichProgressBar())
        except ImportError:
            # The bar is a nicety of the `cli` extra; without rich, waiting works the same.
            pass
    elif progress is not None and progress is not False and progress != "auto":
        sinks.append(progress)
    return _FanOut(sinks)
