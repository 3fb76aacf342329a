from typing import Literal

CreateCompletionResponseObject = Literal["text_completion"]

CREATE_COMPLETION_RESPONSE_OBJECT_VALUES: set[CreateCompletionResponseObject] = {
    "text_completion",
}


def check_create_completion_response_object(value: str) -> CreateCompletionResponseObject:
    if value in CREATE_COMPLETION_RESPONSE_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CREATE_COMPLETION_RESPONSE_OBJECT_VALUES!r}")
