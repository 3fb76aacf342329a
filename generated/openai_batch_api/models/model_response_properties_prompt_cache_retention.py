from typing import Literal

ModelResponsePropertiesPromptCacheRetention = Literal["24h", "in_memory"]

MODEL_RESPONSE_PROPERTIES_PROMPT_CACHE_RETENTION_VALUES: set[ModelResponsePropertiesPromptCacheRetention] = {
    "24h",
    "in_memory",
}


def check_model_response_properties_prompt_cache_retention(value: str) -> ModelResponsePropertiesPromptCacheRetention:
    if value in MODEL_RESPONSE_PROPERTIES_PROMPT_CACHE_RETENTION_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {MODEL_RESPONSE_PROPERTIES_PROMPT_CACHE_RETENTION_VALUES!r}"
    )
