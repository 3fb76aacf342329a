from typing import Literal

ResponseTruncation = Literal["auto", "disabled"]

RESPONSE_TRUNCATION_VALUES: set[ResponseTruncation] = {
    "auto",
    "disabled",
}


def check_response_truncation(value: str) -> ResponseTruncation:
    if value in RESPONSE_TRUNCATION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RESPONSE_TRUNCATION_VALUES!r}")
