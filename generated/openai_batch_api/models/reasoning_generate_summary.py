from typing import Literal

ReasoningGenerateSummary = Literal["auto", "concise", "detailed"]

REASONING_GENERATE_SUMMARY_VALUES: set[ReasoningGenerateSummary] = {
    "auto",
    "concise",
    "detailed",
}


def check_reasoning_generate_summary(value: str) -> ReasoningGenerateSummary:
    if value in REASONING_GENERATE_SUMMARY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {REASONING_GENERATE_SUMMARY_VALUES!r}")
