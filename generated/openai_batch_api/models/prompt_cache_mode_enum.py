from typing import Literal

PromptCacheModeEnum = Literal["explicit", "implicit"]

PROMPT_CACHE_MODE_ENUM_VALUES: set[PromptCacheModeEnum] = {
    "explicit",
    "implicit",
}


def check_prompt_cache_mode_enum(value: str) -> PromptCacheModeEnum:
    if value in PROMPT_CACHE_MODE_ENUM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PROMPT_CACHE_MODE_ENUM_VALUES!r}")
