from typing import Literal

KnownFileStatus = Literal["error", "processed", "uploaded"]

KNOWN_FILE_STATUS_VALUES: set[KnownFileStatus] = {
    "error",
    "processed",
    "uploaded",
}


def check_known_file_status(value: str) -> KnownFileStatus:
    if value in KNOWN_FILE_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {KNOWN_FILE_STATUS_VALUES!r}")
