"""openai_batch: a lean, safe client for the OpenAI Batch API.

The hand-written layer over the generated ``openai_batch_api`` package::

    from openai_batch import BatchClient

    with BatchClient() as client:                       # key from OPENAI_API_KEY
        f = client.files.create(file="requests.jsonl", purpose="batch")
        batch = client.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions",
                                      completion_window="24h")
"""

from typing import TYPE_CHECKING, Any

from . import _httpx_loader  # noqa: F401  (first: imports httpx without its CLI)

# isort: split
from ._client import AsyncBatchClient, BatchClient
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    OpenAIBatchError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from ._files_content import AsyncFileContent, FileContent
from ._ids import file_id_or_none
from ._pagination import AsyncPage, SyncPage
from ._plain import to_data
from ._progress import LineProgress
from ._types import BatchStatus, ExpiresAfter, FileInput, FilePurpose

if TYPE_CHECKING:
    from .pricing import ModelPrice, PriceTable
    from .workflow import (
        AsyncJob,
        BatchInputWriter,
        BatchLimits,
        BatchProgress,
        BatchResult,
        BatchUsageCheck,
        BatchWaitTimeout,
        BudgetExceededError,
        InputValidationError,
        Job,
        JobConflictError,
        JobError,
        JobNotFoundError,
        JobStatus,
        JobStore,
        JobUsage,
        ModelUsage,
        Outcome,
        ParsedResult,
        ProblemKind,
        PruneReport,
        QueuePolicy,
        RequestError,
        ResultProblem,
        ResultSummary,
        ShardStatus,
        SupersededCopy,
        TokenCounts,
        ValidationProblem,
        ValidationReport,
        WorkflowError,
        async_wait_for_batch,
        upload_batch_file,
        validate_input_file,
        wait_for_batch,
    )
    from .workflow._keywords import JobOptions, WaitKeywords
    from .workflow._store import JobRow, ResultRef, ResultRun, ShardRow

# The workflow's main names, re-exported lazily: importing the workflow costs ~30 ms that a
# caller of the raw endpoints should not pay at `import openai_batch`.
_WORKFLOW_EXPORTS = frozenset(
    {
        "AsyncJob",
        "BatchInputWriter",
        "BatchLimits",
        "BatchProgress",
        "BatchResult",
        "BatchWaitTimeout",
        "BudgetExceededError",
        "InputValidationError",
        "Job",
        "JobConflictError",
        "JobError",
        "JobNotFoundError",
        "Outcome",
        "PruneReport",
        "QueuePolicy",
        "WorkflowError",
        "async_wait_for_batch",
        "upload_batch_file",
        "validate_input_file",
        "wait_for_batch",
    }
)


# The types public signatures name (what Job.status, Job.results(parse=...), Job.usage, ... return),
# so that every one imports from the package; also lazy. Module -> names.
_TYPE_EXPORTS = {
    "openai_batch.workflow": frozenset(
        {
            "BatchUsageCheck",
            "JobStatus",
            "JobStore",
            "JobUsage",
            "ModelUsage",
            "ParsedResult",
            "ProblemKind",
            "RequestError",
            "ResultProblem",
            "ResultSummary",
            "ShardStatus",
            "SupersededCopy",
            "TokenCounts",
            "ValidationProblem",
            "ValidationReport",
        }
    ),
    # The records a JobStore hands back.
    "openai_batch.workflow._store": frozenset({"JobRow", "ResultRef", "ResultRun", "ShardRow"}),
    # The keyword options of Job/AsyncJob submit and wait.
    "openai_batch.workflow._keywords": frozenset({"JobOptions", "WaitKeywords"}),
    "openai_batch.pricing": frozenset({"ModelPrice", "PriceTable"}),
}


def __getattr__(name: str) -> Any:
    if name in _WORKFLOW_EXPORTS:
        from . import workflow

        return getattr(workflow, name)
    for module, names in _TYPE_EXPORTS.items():
        if name in names:
            import importlib

            return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'openai_batch' has no attribute {name!r}")


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncBatchClient",
    "AsyncFileContent",
    "AsyncJob",
    "AsyncPage",
    "AuthenticationError",
    "BadRequestError",
    "BatchClient",
    "BatchInputWriter",
    "BatchLimits",
    "BatchProgress",
    "BatchResult",
    "BatchStatus",
    "BatchUsageCheck",
    "BatchWaitTimeout",
    "BudgetExceededError",
    "ConfigurationError",
    "ConflictError",
    "ExpiresAfter",
    "FileContent",
    "FileInput",
    "FilePurpose",
    "InputValidationError",
    "InternalServerError",
    "Job",
    "JobConflictError",
    "JobError",
    "JobNotFoundError",
    "JobOptions",
    "JobRow",
    "JobStatus",
    "JobStore",
    "JobUsage",
    "LineProgress",
    "ModelPrice",
    "ModelUsage",
    "NotFoundError",
    "OpenAIBatchError",
    "Outcome",
    "ParsedResult",
    "PermissionDeniedError",
    "PriceTable",
    "ProblemKind",
    "PruneReport",
    "QueuePolicy",
    "RateLimitError",
    "RequestError",
    "ResultProblem",
    "ResultRef",
    "ResultRun",
    "ResultSummary",
    "ShardRow",
    "ShardStatus",
    "SupersededCopy",
    "SyncPage",
    "TokenCounts",
    "UnprocessableEntityError",
    "ValidationProblem",
    "ValidationReport",
    "WaitKeywords",
    "WorkflowError",
    "async_wait_for_batch",
    "file_id_or_none",
    "to_data",
    "upload_batch_file",
    "validate_input_file",
    "wait_for_batch",
]
