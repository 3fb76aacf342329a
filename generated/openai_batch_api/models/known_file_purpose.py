from typing import Literal

KnownFilePurpose = Literal[
    "assistants", "assistants_output", "batch", "batch_output", "fine-tune", "fine-tune-results", "user_data", "vision"
]

KNOWN_FILE_PURPOSE_VALUES: set[KnownFilePurpose] = {
    "assistants",
    "assistants_output",
    "batch",
    "batch_output",
    "fine-tune",
    "fine-tune-results",
    "user_data",
    "vision",
}


def check_known_file_purpose(value: str) -> KnownFilePurpose:
    if value in KNOWN_FILE_PURPOSE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {KNOWN_FILE_PURPOSE_VALUES!r}")
