from typing import Literal

ServiceTierResponses = Literal["auto", "default", "fast", "flex", "priority", "scale", "ultrafast"]

SERVICE_TIER_RESPONSES_VALUES: set[ServiceTierResponses] = {
    "auto",
    "default",
    "fast",
    "flex",
    "priority",
    "scale",
    "ultrafast",
}


def check_service_tier_responses(value: str) -> ServiceTierResponses:
    if value in SERVICE_TIER_RESPONSES_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SERVICE_TIER_RESPONSES_VALUES!r}")
