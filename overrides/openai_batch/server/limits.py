"""The two behaviours a test may change while the server runs: the enqueued-token limits and the
request lines made to fail. Each is an immutable value, checked once, swapped whole.

Example::

    limits = TokenLimits.build(2_000_000, {"gpt-4o": 5_000_000}, "fail")
    limits.limit_for("gpt-4o-mini")     # 2000000
    failures = LineFailures.build(r"-7$", 0.0, 500, 1)
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

TOKEN_LIMIT_MODES = ("fail", "reject")


def _limit(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


@dataclasses.dataclass(frozen=True)
class TokenLimits:
    """Per-model enqueued-token limits: `per_model[model]`, else `default`; None is no limit."""

    default: int | None = None
    per_model: Mapping[str, int] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    mode: str = "fail"

    @classmethod
    def build(cls, default: Any, per_model: Any, mode: Any) -> TokenLimits:
        if default is not None:
            _limit(default, "enqueued_token_limit")
        if not isinstance(per_model, Mapping):
            raise ValueError(f"enqueued_token_limits must map model names to limits, got {per_model!r}")
        checked = {}
        for model, value in per_model.items():
            if not isinstance(model, str) or not model:
                raise ValueError(f"enqueued_token_limits keys must be model names, got {model!r}")
            checked[model] = _limit(value, f"enqueued_token_limits[{model!r}]")
        if mode not in TOKEN_LIMIT_MODES:
            raise ValueError(f"token_limit_mode must be one of {TOKEN_LIMIT_MODES}, got {mode!r}")
        return cls(default=default, per_model=MappingProxyType(checked), mode=mode)

    @property
    def active(self) -> bool:
        return self.default is not None or bool(self.per_model)

    def limit_for(self, model: str | None) -> int | None:
        if model is not None and model in self.per_model:
            return self.per_model[model]
        return self.default

    def changed(self, raw: Mapping[str, Any]) -> TokenLimits:
        """These limits with the admin API's fields present in `raw` replaced."""
        return TokenLimits.build(
            raw.get("enqueued_token_limit", self.default),
            raw.get("enqueued_token_limits", self.per_model),
            raw.get("token_limit_mode", self.mode),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "enqueued_token_limit": self.default,
            "enqueued_token_limits": dict(self.per_model),
            "token_limit_mode": self.mode,
        }


@dataclasses.dataclass(frozen=True)
class LineFailures:
    """Which request lines fail, with what status, and for how many of their executions."""

    pattern: str | None = None
    rate: float = 0.0
    status: int = 400
    # None: every execution fails; N: the first N executions of a custom_id fail.
    times: int | None = None

    @classmethod
    def build(cls, pattern: Any, rate: Any, status: Any, times: Any) -> LineFailures:
        if pattern is not None:
            if not isinstance(pattern, str):
                raise ValueError(f"fail_custom_id_pattern must be a regular expression, got {pattern!r}")
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"fail_custom_id_pattern is not a valid regular expression: {exc}") from None
        if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0.0 <= rate <= 1.0:
            raise ValueError(f"fail_rate must be within [0, 1], got {rate}")
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise ValueError(f"fail_status_code must be a 4xx or 5xx status, got {status}")
        if times is not None:
            _limit(times, "fail_times")
        return cls(pattern=pattern, rate=float(rate), status=status, times=times)

    @property
    def matcher(self) -> re.Pattern[str] | None:
        return re.compile(self.pattern) if self.pattern else None

    def changed(self, raw: Mapping[str, Any]) -> LineFailures:
        return LineFailures.build(
            raw.get("fail_custom_id_pattern", self.pattern),
            raw.get("fail_rate", self.rate),
            raw.get("fail_status_code", self.status),
            raw.get("fail_times", self.times),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "fail_custom_id_pattern": self.pattern,
            "fail_rate": self.rate,
            "fail_status_code": self.status,
            "fail_times": self.times,
        }


TOKEN_LIMIT_FIELDS = frozenset(TokenLimits().to_json())
LINE_FAILURE_FIELDS = frozenset(LineFailures().to_json())
