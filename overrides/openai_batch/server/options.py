"""Every knob of the local server in one frozen record, with the defaults of a realistic demo."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .limits import LineFailures, TokenLimits

# The Batch API's published limits; tests shrink them through ServerOptions instead of writing
# 200 MB files.
MAX_REQUESTS = 50_000
MAX_INPUT_BYTES = 209_715_200
MAX_EMBEDDING_INPUTS = 50_000
# Files API: one upload may be up to 512 MB.
MAX_UPLOAD_BYTES = 512 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class ServerOptions:
    """How the local server behaves.

    Time is simulated: ``speed`` simulated seconds pass per real second, so the 24 h completion
    window and a visible progress bar both fit in a demo. Durations below are simulated seconds.

    Example::

        options = ServerOptions(speed=600, throughput=5, fail_custom_id_pattern=r"-bad$")
    """

    speed: float = 60.0
    # Requests executed per simulated second while a batch is in_progress.
    throughput: float = 2.0
    validating_seconds: float = 20.0
    finalizing_seconds: float = 20.0
    cancelling_seconds: float = 30.0
    # Real seconds between two runs of the processing loop.
    tick_interval: float = 0.05
    # Upper bound of requests handled for one batch in one tick, which bounds how long the
    # store lock is held while API calls wait.
    chunk_size: int = 500
    # When set, only this bearer token is accepted; otherwise any non-empty token is.
    required_api_key: str | None = None
    # Requests whose custom_id matches (re.search) fail with `fail_status_code` (429 and 5xx get
    # the service's rate-limit and server-error bodies, so clients can test line retries).
    fail_custom_id_pattern: str | None = None
    # Fraction of requests failing, chosen deterministically from a hash of the custom_id.
    fail_rate: float = 0.0
    fail_status_code: int = 400
    # When set, a failing custom_id fails only its first `fail_times` executions on this server
    # (counted per custom_id across batches and restarts) and succeeds after: 1 = first attempt only.
    fail_times: int | None = None
    # Simulates the organisation's enqueued-token limit per model: the input tokens of a model's
    # active batches (validating, in_progress, finalizing) may not exceed the model's limit,
    # `enqueued_token_limits[model]` or else `enqueued_token_limit`. See `token_limit_mode`.
    enqueued_token_limit: int | None = None
    enqueued_token_limits: Mapping[str, int] = dataclasses.field(default_factory=dict)
    # "fail": the batch is created and fails validation with token_limit_exceeded (the service);
    # "reject": the create call answers 400 with code token_limit_exceeded (some deployments).
    token_limit_mode: str = "fail"
    max_requests: int = MAX_REQUESTS
    max_input_bytes: int = MAX_INPUT_BYTES
    max_embedding_inputs: int = MAX_EMBEDDING_INPUTS
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    # A file with thousands of bad lines would make every batch object megabytes long.
    max_reported_errors: int = 1000
    # Fault rules active from the start (same dicts as POST /v1/_admin/faults "rules").
    faults: tuple[Mapping[str, Any], ...] = ()
    # The next N batches fail validation with token_limit_exceeded.
    token_limit_batches: int = 0
    # Where signed batch.completed/failed/expired/cancelled events are POSTed (see webhooks.py),
    # with the endpoint's "whsec_..." signing secret; both or neither. The secret stays out of repr.
    webhook_url: str | None = None
    webhook_secret: str | None = dataclasses.field(default=None, repr=False)
    # Answer as another service (a shipped profile's name: "azure", "groq"...): its paths, auth
    # header, statuses and budget headers (see providers.py); its quirks too unless turned off.
    provider: str | None = None
    provider_quirks: bool = True

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ValueError(f"speed must be > 0, got {self.speed}")
        if self.throughput <= 0:
            raise ValueError(f"throughput must be > 0, got {self.throughput}")
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {self.chunk_size}")
        for name in ("validating_seconds", "finalizing_seconds", "cancelling_seconds", "tick_interval"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        object.__setattr__(self, "faults", tuple(self.faults))
        # Checked and frozen in one place, shared with the admin API's run-time changes.
        limits = TokenLimits.build(self.enqueued_token_limit, self.enqueued_token_limits, self.token_limit_mode)
        object.__setattr__(self, "enqueued_token_limits", limits.per_model)
        LineFailures.build(self.fail_custom_id_pattern, self.fail_rate, self.fail_status_code, self.fail_times)
        self._check_webhook()
        if self.provider is not None:
            from ..providers import get_profile

            get_profile(self.provider)  # an unknown name fails at start, naming the known ones

    def _check_webhook(self) -> None:
        if (self.webhook_url is None) != (self.webhook_secret is None):
            raise ValueError("webhook_url and webhook_secret go together: give both or neither")
        if self.webhook_url is None or self.webhook_secret is None:
            return
        from ..webhooks import _signer
        from .webhooks import check_webhook_url

        check_webhook_url(self.webhook_url)
        _signer(self.webhook_secret)  # a malformed secret (or no `webhooks` extra) fails at start, not per event

    @property
    def completion_windows(self) -> tuple[str, ...]:
        """The completion windows a create accepts: the provider's, else the Batch API's 24h."""
        if self.provider is None:
            return ("24h",)
        from ..providers import get_profile

        return get_profile(self.provider).completion_windows

    @property
    def token_limits(self) -> TokenLimits:
        return TokenLimits.build(self.enqueued_token_limit, self.enqueued_token_limits, self.token_limit_mode)

    @property
    def line_failures(self) -> LineFailures:
        return LineFailures.build(self.fail_custom_id_pattern, self.fail_rate, self.fail_status_code, self.fail_times)


def build_options(**options: Any) -> ServerOptions:
    """ServerOptions from keyword arguments, naming any unknown option."""
    known = {field.name for field in dataclasses.fields(ServerOptions)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"unknown server option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return ServerOptions(**options)
