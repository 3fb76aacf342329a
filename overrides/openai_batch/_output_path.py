"""Where an output path leads, decided once for every writer (``--out``, ``write_results``, ``write_to``).

Writing a whole file atomically means writing a temporary file and renaming it over the
path. That is right for a regular file or a new path, and destroys anything else that can
sit at a path, so each kind is told apart first:

- ``-`` is standard output (the convention of Unix tools), written in place;
- a symlink is followed: the temporary file is made beside its *target* and renamed over
  the target, so the link stays a link and the file it names gets the data;
- a FIFO, a terminal, ``/dev/null`` or any other file that is not a regular file is
  written in place, never replaced (a reader of the FIFO gets the bytes);
- a path under ``/dev`` or ``/proc`` (``/dev/stdout`` is ``/proc/self/fd/1``) is written in
  place too, even when it leads to a regular file: it is another process's open file.

Example::

    target = output_target("results.jsonl")
    if target.in_place:
        fd = open_in_place(target)      # write, then close it
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import attrs

__all__ = ["STDOUT", "OutputTarget", "is_stdout", "open_in_place", "output_target"]

#: The path that means standard output.
STDOUT = "-"

_SYSTEM_ROOTS = (Path("/dev"), Path("/proc"))


@attrs.frozen
class OutputTarget:
    """The file an output path writes: ``path`` (a symlink resolved), and whether it is written in place.

    Example::

        target = output_target("link.jsonl")   # a symlink to data/results.jsonl
        assert target.path.name == "results.jsonl" and not target.in_place
    """

    path: Path
    #: Written directly (standard output, a FIFO, a device): never a temporary file and a rename.
    in_place: bool = False
    stdout: bool = False

    def describe(self) -> str:
        """How to name it to a person: ``stdout``, or the path as given."""
        return "stdout" if self.stdout else str(self.path)


def is_stdout(path: str | os.PathLike[str]) -> bool:
    return os.fspath(path) == STDOUT


def output_target(path: str | os.PathLike[str]) -> OutputTarget:
    """Classify ``path`` (see the module docstring); a directory raises ``IsADirectoryError``."""
    if is_stdout(path):
        return OutputTarget(Path(STDOUT), in_place=True, stdout=True)
    given = Path(path)
    try:
        mode: int | None = os.stat(given).st_mode  # follows symlinks
    except FileNotFoundError:
        mode = None  # a new path, or a symlink to one: created where the link points
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(21, "Is a directory", str(given))
    resolved = Path(os.path.realpath(given))
    system = any(resolved == root or root in resolved.parents for root in _SYSTEM_ROOTS)
    if system or (mode is not None and not stat.S_ISREG(mode)):
        return OutputTarget(given, in_place=True)
    return OutputTarget(resolved)


def open_in_place(target: OutputTarget) -> int:
    """A descriptor open for writing on an in-place target; the caller closes it.

    Standard output is a duplicate of descriptor 1 (closing it leaves stdout open); Python's
    own buffer is flushed first, so lines printed before come before the data. Opening a
    FIFO waits for its reader, as any writer of a FIFO does. Appending: a regular file
    reached through ``/dev/stdout`` is another process's open file, never cut short.
    """
    if target.stdout:
        sys.stdout.flush()
        return os.dup(sys.stdout.fileno())
    return os.open(target.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
