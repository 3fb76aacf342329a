"""Run whole batch jobs: build and validate input files, shard, wait, join results, resume.

Example::

    from openai_batch import BatchClient
    from openai_batch.workflow import BatchInputWriter, Job

    with BatchInputWriter("requests.jsonl", endpoint="/v1/chat/completions") as w:
        w.chat("q-1", model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello"}])

    with BatchClient() as client, Job.submit(client, "requests.jsonl") as job:
        job.wait(progress="auto")
        job.write_results("results.jsonl")
"""

from .._polling import TRANSIENT_ERRORS, async_wait_for_batch, wait_for_batch
from .._progress import BatchProgress, ProgressOption, ProgressSink, RichProgressBar
from ._asyncjob import AsyncJob
from ._budget import BudgetExceededError
from ._builders import BatchInputWriter
from ._crash import CRASH_ENV
from ._download import ShortDownload
from ._errors import BatchWaitTimeout, InputValidationError, JobError, JobNotFoundError, WorkflowError
from ._identity import INPUT_TAG, JOB_TAG, JobConflictError, JobDefinition
from ._job import JOB_METADATA_KEY, Job
from ._limits import BATCH_ENDPOINTS, DEFAULT_LIMITS, BatchLimits
from ._problems import ParsedResult, ProblemKind, ResultProblem
from ._prune import PruneReport
from ._queue import TOKENS_TAG, QueuePolicy
from ._results import BatchResult, Outcome, RequestError, parse_result_line
from ._shard import ShardPlan, ShardSpec, plan_shards, shard_input_file
from ._status import JobStatus, ResultSummary, ShardStatus, SupersededCopy
from ._store import DEFAULT_STATE_PATH, JobStore
from ._strict_schema import strict_json_schema
from ._upload import check_input_file, upload_batch_file
from ._usage import BatchUsageCheck, JobUsage, ModelUsage, TokenCounts
from ._validate import ValidationProblem, ValidationReport, validate_input_file

__all__ = [
    "BATCH_ENDPOINTS",
    "CRASH_ENV",
    "DEFAULT_LIMITS",
    "DEFAULT_STATE_PATH",
    "INPUT_TAG",
    "JOB_METADATA_KEY",
    "JOB_TAG",
    "TOKENS_TAG",
    "TRANSIENT_ERRORS",
    "AsyncJob",
    "BatchInputWriter",
    "BatchLimits",
    "BatchProgress",
    "BatchResult",
    "BatchUsageCheck",
    "BatchWaitTimeout",
    "BudgetExceededError",
    "InputValidationError",
    "Job",
    "JobConflictError",
    "JobDefinition",
    "JobError",
    "JobNotFoundError",
    "JobStatus",
    "JobStore",
    "JobUsage",
    "ModelUsage",
    "Outcome",
    "ParsedResult",
    "ProblemKind",
    "ProgressOption",
    "ProgressSink",
    "PruneReport",
    "QueuePolicy",
    "RequestError",
    "ResultProblem",
    "ResultSummary",
    "RichProgressBar",
    "ShardPlan",
    "ShardSpec",
    "ShardStatus",
    "ShortDownload",
    "SupersededCopy",
    "TokenCounts",
    "ValidationProblem",
    "ValidationReport",
    "WorkflowError",
    "async_wait_for_batch",
    "check_input_file",
    "parse_result_line",
    "plan_shards",
    "shard_input_file",
    "strict_json_schema",
    "upload_batch_file",
    "validate_input_file",
    "wait_for_batch",
]
