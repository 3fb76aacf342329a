from typing import Literal

ModerationResultBodyType = Literal["moderation_result"]

MODERATION_RESULT_BODY_TYPE_VALUES: set[ModerationResultBodyType] = {
    "moderation_result",
}


def check_moderation_result_body_type(value: str) -> ModerationResultBodyType:
    if value in MODERATION_RESULT_BODY_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {MODERATION_RESULT_BODY_TYPE_VALUES!r}")
