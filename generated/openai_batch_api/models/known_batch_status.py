from typing import Literal

KnownBatchStatus = Literal[
    "cancelled", "cancelling", "completed", "expired", "failed", "finalizing", "in_progress", "validating"
]

KNOWN_BATCH_STATUS_VALUES: set[KnownBatchStatus] = {
    "cancelled",
    "cancelling",
    "completed",
    "expired",
    "failed",
    "finalizing",
    "in_progress",
    "validating",
}


def check_known_batch_status(value: str) -> KnownBatchStatus:
    if value in KNOWN_BATCH_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {KNOWN_BATCH_STATUS_VALUES!r}")
