"""Errors raised by the batch workflow (input validation, waiting, job state)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._workflow_errors import BatchWaitTimeout, WorkflowError

if TYPE_CHECKING:
    from ._validate import ValidationReport

__all__ = ["BatchWaitTimeout", "InputValidationError", "JobError", "JobNotFoundError", "WorkflowError"]


class InputValidationError(WorkflowError, ValueError):
    """An input file breaks the Batch API's rules; nothing was uploaded.

    ``report`` holds every problem found (line, code, message).
    """

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(report.format())


class JobError(WorkflowError):
    """A job cannot do what was asked (its input changed, it has no batches yet, ...)."""


class JobNotFoundError(JobError, LookupError):
    """No job or batch with this id is known to the state file."""
