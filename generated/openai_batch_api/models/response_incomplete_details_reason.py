from typing import Literal

ResponseIncompleteDetailsReason = Literal["content_filter", "max_output_tokens"]

RESPONSE_INCOMPLETE_DETAILS_REASON_VALUES: set[ResponseIncompleteDetailsReason] = {
    "content_filter",
    "max_output_tokens",
}


def check_response_incomplete_details_reason(value: str) -> ResponseIncompleteDetailsReason:
    if value in RESPONSE_INCOMPLETE_DETAILS_REASON_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RESPONSE_INCOMPLETE_DETAILS_REASON_VALUES!r}")
