"""Turning any exception a command raises into what a command-line user needs: an exit code,
a kind for scripts, and a message that names the flag or environment variable to change.

The library's own messages speak to Python callers (``pass api_key=... to the client``);
here, at the command line's edge, that advice becomes ``set OPENAI_API_KEY``. A failed call
names the URL it tried, and a 404 from a base URL without ``/v1`` says so.

Example::

    failure = describe(exc, args)
    print(failure.exit_code, failure.message)
"""

from __future__ import annotations

import argparse
from typing import Any

import attrs

from .._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    OpenAIBatchError,
    PermissionDeniedError,
)
from .._workflow_errors import BatchWaitTimeout, TableInputError
from ..providers import DEFAULT_PROVIDER
from ..workflow import BudgetExceededError, InputValidationError, JobError, JobNotFoundError
from . import _exit

__all__ = ["CommandLineError", "Failure", "UsageError", "describe"]


class UsageError(Exception):
    """A command was asked something it cannot do as given (exit 2)."""


class CommandLineError(SystemExit):
    """An argument the parser refused: ``message`` is argparse's one line; exits 2."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(_exit.USAGE)
        self.prog = prog
        self.message = message

    def __str__(self) -> str:
        return f"{self.prog}: error: {self.message} (see {self.prog} --help)"


# Library advice -> command-line advice. Each pair is checked by a test that triggers it.
_ADVICE = (
    ("pass api_key=... to the client or set the OPENAI_API_KEY environment variable", "set OPENAI_API_KEY"),
    ("give the key only as api_key=... or OPENAI_API_KEY", "give the key only in OPENAI_API_KEY"),
    (
        "or pass allow_insecure_http=True.",
        "in --base-url or OPENAI_BASE_URL (the command line never sends a key over plain http to another machine).",
    ),
    ("base_url", "the base URL (--base-url or OPENAI_BASE_URL)"),
    # Another provider's key variable (AZURE_OPENAI_API_KEY, GROQ_API_KEY...), and Entra ID sign-in.
    ("pass api_key=... to the client or set the ", "set the "),
    ("a token provider: azure_ad_token_provider=...", "Microsoft Entra ID: --azure-ad"),
)


def cli_advice(message: str) -> str:
    """``message`` with the library's Python-level advice replaced by flags and environment variables."""
    for library, command_line in _ADVICE:
        message = message.replace(library, command_line)
    return message


@attrs.frozen
class Failure:
    """What the command line says about an error: on stderr as text, or as the ``--json`` document."""

    kind: str
    message: str
    exit_code: int
    job_id: str | None = None
    batch_ids: tuple[str, ...] = ()
    details: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "kind": self.kind,
            "message": self.message,
            "exit_code": self.exit_code,
            "job_id": self.job_id,
            "batch_ids": list(self.batch_ids),
        }
        if self.details:
            error.update(self.details)
        return {"error": error}


def _url(exc: APIError) -> str | None:
    return str(exc.request.url) if exc.request is not None else None


def _api_message(exc: APIError, args: argparse.Namespace | None) -> str:
    url = _url(exc)
    method = exc.request.method if exc.request is not None else ""
    text = f"{type(exc).__name__}: {exc}"
    if url and url not in text:
        text += f" ({method} {url})"
    if isinstance(exc, APIConnectionError):
        return text + "; is the server at that address running? Change it with --base-url or OPENAI_BASE_URL"
    profile = getattr(args, "provider_profile", None)
    if isinstance(exc, AuthenticationError | PermissionDeniedError):
        if profile is not None and profile.name != DEFAULT_PROVIDER:
            return text + f"; check the key in {' or '.join(profile.key_env)}"
        return text + "; check the key in OPENAI_API_KEY (and OPENAI_ORG_ID / OPENAI_PROJECT_ID)"
    # Only where every path of the service sits under /v1 (not Azure's legacy /openai/... paths).
    under_v1 = profile is None or profile.path_style(None).base_path == "/v1"
    if (
        under_v1
        and isinstance(exc, NotFoundError)
        and exc.request is not None
        and "/v1/" not in exc.request.url.path + "/"
    ):
        root = url.split("/batches")[0].split("/files")[0] if url else ""
        return text + f"; the base URL {root} has no /v1: try --base-url {root.rstrip('/')}/v1 (or OPENAI_BASE_URL)"
    if isinstance(exc, NotFoundError):
        identifier = getattr(args, "id", None) or getattr(args, "file_id", None)
        return text + (f"; no such id on the service: {identifier}" if identifier else "")
    return text


def _exit_for_api(exc: APIError) -> int:
    # An unknown id is the caller's mistake (2, as the README's table says), not the service's.
    if isinstance(exc, NotFoundError):
        return _exit.USAGE
    return _exit.API_ERROR


def describe(exc: BaseException, args: argparse.Namespace | None) -> Failure:
    """The :class:`Failure` for ``exc``; ``args`` gives the job and batch ids a command was working on."""
    job_id = getattr(args, "job_id", None)
    identifier = getattr(args, "id", None)
    if job_id is None and isinstance(identifier, str) and identifier.startswith("job_"):
        job_id = identifier
    batch_ids: tuple[str, ...] = tuple(getattr(args, "batch_ids", None) or ())
    if isinstance(identifier, str) and identifier.startswith("batch_") and identifier not in batch_ids:
        batch_ids = (identifier, *batch_ids)

    def failure(kind: str, message: str, code: int, **extra: Any) -> Failure:
        return Failure(kind, message, code, job_id, batch_ids, extra or None)

    if isinstance(exc, CommandLineError):
        return failure("usage", str(exc), _exit.USAGE)
    if isinstance(exc, TableInputError):
        return failure("validation", str(exc), _exit.VALIDATION, row=exc.row, column=exc.column)
    if isinstance(exc, InputValidationError):
        return failure("validation", str(exc), _exit.VALIDATION, report=exc.report.to_dict())
    if isinstance(exc, BatchWaitTimeout):
        batch_ids = tuple(dict.fromkeys([*batch_ids, *exc.batch_ids]))
        return failure("timeout", str(exc) + " (raise --timeout to wait longer)", _exit.TIMEOUT)
    if isinstance(exc, BudgetExceededError):
        return failure("budget", str(exc), _exit.USAGE, max_cost=exc.max_cost, estimate=exc.estimate.to_dict())
    if isinstance(exc, JobNotFoundError):
        return failure("not_found", str(exc) + " (see `openai-batch jobs`, or --state)", _exit.USAGE)
    if isinstance(exc, UsageError | JobError):
        return failure("usage", str(exc), _exit.USAGE)
    if isinstance(exc, ConfigurationError):
        return failure("configuration", cli_advice(str(exc)), _exit.USAGE)
    if isinstance(exc, IsADirectoryError):
        return failure("usage", f"{exc.filename} is a directory, not a file", _exit.USAGE)
    if isinstance(exc, FileNotFoundError | PermissionError):
        return failure("usage", f"{exc.strerror}: {exc.filename}", _exit.USAGE)
    if isinstance(exc, APIConnectionError) and exc.unreachable and not batch_ids:
        # Given up before anything was sent (see workflow._patience): the message names the URL.
        advice = "; is a server listening there? Change it with --base-url or OPENAI_BASE_URL"
        return failure("unreachable", f"{exc}{advice}", _exit.API_ERROR, url=_url(exc))
    if isinstance(exc, APIError):
        status = exc.status_code if isinstance(exc, APIStatusError) else None
        kind = "not_found" if isinstance(exc, NotFoundError) else "api"
        return failure(kind, _api_message(exc, args), _exit_for_api(exc), status_code=status, url=_url(exc))
    if isinstance(exc, OpenAIBatchError):
        return failure("error", cli_advice(str(exc)), _exit.API_ERROR)
    if isinstance(exc, KeyboardInterrupt):
        return failure("interrupted", "interrupted", _exit.INTERRUPTED)
    raise exc
