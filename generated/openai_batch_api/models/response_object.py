from typing import Literal

ResponseObject = Literal["response"]

RESPONSE_OBJECT_VALUES: set[ResponseObject] = {
    "response",
}


def check_response_object(value: str) -> ResponseObject:
    if value in RESPONSE_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RESPONSE_OBJECT_VALUES!r}")
