"""Known values from openapi.yaml, derived by overrides/codegen/known_values.py. Do not edit.

The service may send values not listed here (the models type these fields as `str`); these
are the ones the spec names, for annotations, validation and the command line.
"""

from typing import Literal, TypeAlias

BatchStatus: TypeAlias = Literal[
    "validating", "failed", "in_progress", "finalizing", "completed", "expired", "cancelling", "cancelled"
]
"""Known values of `Batch.status`."""

FilePurpose: TypeAlias = Literal[
    "assistants",
    "assistants_output",
    "batch",
    "batch_output",
    "fine-tune",
    "fine-tune-results",
    "vision",
    "user_data",
    "evals",
]
"""Known values of `OpenAIFile.purpose`, then the upload purposes `files.create` accepts."""

BatchEndpoint: TypeAlias = Literal[
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
]
"""The endpoints `batches.create` accepts (and every input line's `url` must name)."""

BATCH_STATUSES: tuple[BatchStatus, ...] = (
    "validating",
    "failed",
    "in_progress",
    "finalizing",
    "completed",
    "expired",
    "cancelling",
    "cancelled",
)
FILE_PURPOSES: tuple[FilePurpose, ...] = (
    "assistants",
    "assistants_output",
    "batch",
    "batch_output",
    "fine-tune",
    "fine-tune-results",
    "vision",
    "user_data",
    "evals",
)
UPLOAD_PURPOSES: tuple[str, ...] = (
    "assistants",
    "batch",
    "fine-tune",
    "vision",
    "user_data",
    "evals",
)
BATCH_ENDPOINTS: tuple[BatchEndpoint, ...] = (
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
)

EMBEDDING_INPUT_LIMITS: dict[str, int] = {"/v1/embeddings": 50000}
"""Per endpoint, the most embedding inputs one batch may hold across its requests."""
