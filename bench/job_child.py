"""Run one program in this interpreter, then report the CPU time and peak RSS of this process alone.

    python bench/job_child.py REPORT.json PROGRAM [ARGS...]

PROGRAM is a Python script (a console script such as ``.venv/bin/openai-batch`` is one). It runs
as ``__main__`` with ``sys.argv = [PROGRAM, *ARGS]``, exactly as from a shell. When it exits,
REPORT.json gets ``{"exit_code", "user_s", "sys_s", "cpu_s", "peak_rss_mib"}``.

Why not measure from the parent with ``wait4``: Linux keeps the pre-exec memory's high-water mark
in ``ru_maxrss``, so a child forked from a large parent reports at least the parent's size;
VmHWM, read here, is this address space's own peak. Only the standard modules the program
imports anyway are loaded before it, so the figures are the program's own.
"""

from __future__ import annotations

import json
import resource
import runpy
import sys


def peak_rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    report, program, *args = sys.argv[1:]
    sys.argv = [program, *args]
    exit_code = 0
    try:
        runpy.run_path(program, run_name="__main__")
    except SystemExit as exc:
        exit_code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        exit_code = 1  # the traceback follows on stderr
        raise
    finally:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # none expected; counted if any
        user = own.ru_utime + children.ru_utime
        system = own.ru_stime + children.ru_stime
        with open(report, "w", encoding="utf-8") as out:
            json.dump(
                {
                    "exit_code": exit_code,
                    "user_s": user,
                    "sys_s": system,
                    "cpu_s": user + system,
                    "peak_rss_mib": peak_rss_mib(),
                },
                out,
            )
    sys.exit(exit_code)


if __name__ == "__main__":
    main()
