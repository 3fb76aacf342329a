from typing import Literal

ResponseErrorCode = Literal[
    "bio_policy",
    "data_residency_mismatch",
    "empty_image_file",
    "failed_to_download_image",
    "image_content_policy_violation",
    "image_file_not_found",
    "image_file_too_large",
    "image_parse_error",
    "image_too_large",
    "image_too_small",
    "invalid_base64_image",
    "invalid_image",
    "invalid_image_format",
    "invalid_image_mode",
    "invalid_image_url",
    "invalid_prompt",
    "rate_limit_exceeded",
    "server_error",
    "unsupported_image_media_type",
    "vector_store_timeout",
]

RESPONSE_ERROR_CODE_VALUES: set[ResponseErrorCode] = {
    "bio_policy",
    "data_residency_mismatch",
    "empty_image_file",
    "failed_to_download_image",
    "image_content_policy_violation",
    "image_file_not_found",
    "image_file_too_large",
    "image_parse_error",
    "image_too_large",
    "image_too_small",
    "invalid_base64_image",
    "invalid_image",
    "invalid_image_format",
    "invalid_image_mode",
    "invalid_image_url",
    "invalid_prompt",
    "rate_limit_exceeded",
    "server_error",
    "unsupported_image_media_type",
    "vector_store_timeout",
}


def check_response_error_code(value: str) -> ResponseErrorCode:
    if value in RESPONSE_ERROR_CODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RESPONSE_ERROR_CODE_VALUES!r}")
