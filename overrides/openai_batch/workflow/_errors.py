"""Errors raised by the batch workflow (input validation, waiting, job state)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exceptions import OpenAIBatchError

if TYPE_CHECKING:
    from ._validate import ValidationReport

__all__ = ["BatchWaitTimeout", "InputValidationError", "JobError", "JobNotFoundError", "WorkflowError"]


class WorkflowError(OpenAIBatchError):
    """Base of the errors the batch workflow raises itself."""


class InputValidationError(WorkflowError, ValueError):
    """An input file breaks the Batch API's rules; nothing was uploaded.

    ``report`` holds every problem found (line, code, message).
    """

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(report.format())


class BatchWaitTimeout(WorkflowError, TimeoutError):
    """Waiting for a batch (or a job's batches) passed its deadline; the batches go on running."""

    def __init__(self, batch_ids: list[str], status: str, waited: float) -> None:
        self.batch_ids = batch_ids
        self.status = status
        self.waited = waited
        names = ", ".join(batch_ids) if batch_ids else "(no batch yet)"
        super().__init__(f"gave up waiting for batch {names} after {waited:.0f}s; last status: {status}")


class JobError(WorkflowError):
    """A job cannot do what was asked (its input changed, it has no batches yet, ...)."""


class JobNotFoundError(JobError, LookupError):
    """No job or batch with this id is known to the state file."""
