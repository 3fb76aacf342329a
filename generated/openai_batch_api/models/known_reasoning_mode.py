from typing import Literal

KnownReasoningMode = Literal["pro", "standard"]

KNOWN_REASONING_MODE_VALUES: set[KnownReasoningMode] = {
    "pro",
    "standard",
}


def check_known_reasoning_mode(value: str) -> KnownReasoningMode:
    if value in KNOWN_REASONING_MODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {KNOWN_REASONING_MODE_VALUES!r}")
