"""openai_batch: a lean, safe client for the OpenAI Batch API.

The hand-written layer over the generated ``openai_batch_api`` package::

    from openai_batch import BatchClient

    with BatchClient() as client:                       # key from OPENAI_API_KEY
        f = client.files.create(file="requests.jsonl", purpose="batch")
        batch = client.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions",
                                      completion_window="24h")
"""

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
from ._types import BatchStatus, ExpiresAfter, FileInput, FilePurpose

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncBatchClient",
    "AsyncFileContent",
    "AsyncPage",
    "AuthenticationError",
    "BadRequestError",
    "BatchClient",
    "BatchStatus",
    "ConfigurationError",
    "ConflictError",
    "ExpiresAfter",
    "FileContent",
    "FileInput",
    "FilePurpose",
    "InternalServerError",
    "NotFoundError",
    "OpenAIBatchError",
    "PermissionDeniedError",
    "RateLimitError",
    "SyncPage",
    "UnprocessableEntityError",
    "file_id_or_none",
]
