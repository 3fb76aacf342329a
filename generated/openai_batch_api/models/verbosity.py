from typing import Literal

Verbosity = Literal["high", "low", "medium"]

VERBOSITY_VALUES: set[Verbosity] = {
    "high",
    "low",
    "medium",
}


def check_verbosity(value: str) -> Verbosity:
    if value in VERBOSITY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {VERBOSITY_VALUES!r}")
