from typing import Literal

CreateBatchRequestCompletionWindow = Literal["24h"]

CREATE_BATCH_REQUEST_COMPLETION_WINDOW_VALUES: set[CreateBatchRequestCompletionWindow] = {
    "24h",
}


def check_create_batch_request_completion_window(value: str) -> CreateBatchRequestCompletionWindow:
    if value in CREATE_BATCH_REQUEST_COMPLETION_WINDOW_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CREATE_BATCH_REQUEST_COMPLETION_WINDOW_VALUES!r}")
