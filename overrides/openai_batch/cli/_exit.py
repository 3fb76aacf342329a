"""Exit codes of ``openai-batch``, for scripts.

======  ==================================================================
code    meaning
======  ==================================================================
0       success (and, for a finished job, every request succeeded)
1       the batch or job ended with failures: a failed, expired or
        cancelled batch, or requests that failed or did not run
2       usage error: bad arguments, a missing file, no API key, unknown id
3       API error: the service refused or could not be reached (an API
        that refuses connections or whose host does not resolve ends a
        run that has sent nothing within a minute, kind ``unreachable``)
4       validation error: the input file breaks a Batch API rule
5       waiting timed out (the batches go on running)
130     interrupted (Ctrl-C)
141     stdout was closed by its reader (``| head -1``): ended quietly,
        as a Unix tool killed by SIGPIPE (128 + 13)
======  ==================================================================
"""

from __future__ import annotations

OK = 0
FAILURES = 1
USAGE = 2
API_ERROR = 3
VALIDATION = 4
TIMEOUT = 5
INTERRUPTED = 130
CLOSED_PIPE = 141

EXIT_CODES_HELP = """exit codes:
  0  success (every request of a finished job succeeded)
  1  the batch/job ended with failures (failed, expired or cancelled batch; failed or unrun requests)
  2  usage error (bad arguments, missing file, no API key, unknown id)
  3  API error (the service refused the call or could not be reached)
  4  validation error (the input file breaks a Batch API rule; nothing was uploaded)
  5  waiting timed out (the batches go on running)
  141  stdout closed by its reader (| head -1): ended quietly, as other Unix tools
"""
