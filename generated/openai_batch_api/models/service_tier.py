from typing import Literal

ServiceTier = Literal["auto", "default", "fast", "flex", "priority", "scale"]

SERVICE_TIER_VALUES: set[ServiceTier] = {
    "auto",
    "default",
    "fast",
    "flex",
    "priority",
    "scale",
}


def check_service_tier(value: str) -> ServiceTier:
    if value in SERVICE_TIER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SERVICE_TIER_VALUES!r}")
