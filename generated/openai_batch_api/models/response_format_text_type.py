from typing import Literal

ResponseFormatTextType = Literal["text"]

RESPONSE_FORMAT_TEXT_TYPE_VALUES: set[ResponseFormatTextType] = {
    "text",
}


def check_response_format_text_type(value: str) -> ResponseFormatTextType:
    if value in RESPONSE_FORMAT_TEXT_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RESPONSE_FORMAT_TEXT_TYPE_VALUES!r}")
