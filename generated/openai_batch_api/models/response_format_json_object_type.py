from typing import Literal

ResponseFormatJsonObjectType = Literal["json_object"]

RESPONSE_FORMAT_JSON_OBJECT_TYPE_VALUES: set[ResponseFormatJsonObjectType] = {
    "json_object",
}


def check_response_format_json_object_type(value: str) -> ResponseFormatJsonObjectType:
    if value in RESPONSE_FORMAT_JSON_OBJECT_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RESPONSE_FORMAT_JSON_OBJECT_TYPE_VALUES!r}")
