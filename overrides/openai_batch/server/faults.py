"""Deterministic fault injection: errors with Retry-After, dropped connections, slow answers,
batches failing with token_limit_exceeded, and run-time changes of the enqueued-token limits and
of the request lines that fail (see limits.py).

A rule is a dict (options `faults=[...]` or POST /v1/_admin/faults {"rules": [...]}):

  {"kind": "error", "status": 429, "retry_after": 2, "count": 3}   next 3 requests get a 429
  {"kind": "error", "status": 503, "rate": 0.25}                   every 4th request gets a 503
  {"kind": "drop", "count": 1, "match": "^GET /v1/files/.*/content$"}  close without answering
  {"kind": "delay", "seconds": 1.5, "count": 2}                   answer 1.5 real seconds late

`match` is a regular expression searched in "METHOD /path"; `count` (default unlimited) is how
many times the rule fires before it is used up; `rate` picks evenly spaced matching requests
(0.25: the 4th, 8th, ...), never randomly, so a test sees the same faults on every run.
`"after": true` applies the fault once the request has been carried out: the batch or file
exists but the client gets the error, the hang-up or the late answer (the case a client must
not answer by blindly resubmitting). Admin routes (/v1/_admin/...) are never faulted.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_body
from .limits import LINE_FAILURE_FIELDS, TOKEN_LIMIT_FIELDS, LineFailures, TokenLimits

ADMIN_PREFIX = "/v1/_admin"
# Key in the ASGI scope "state" under which the server's HTTP protocol puts a callable closing
# the client's connection (see runner._AbortableH11Protocol).
ABORT_CONNECTION_KEY = "openai_batch.server.abort_connection"
KINDS = ("error", "drop", "delay")


@dataclasses.dataclass
class FaultRule:
    kind: str
    status: int = 500
    retry_after: float | None = None
    count: int | None = None
    rate: float = 1.0
    match: str | None = None
    seconds: float = 0.0
    after: bool = False
    seen: int = 0
    fired: int = 0

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> FaultRule:
        if not isinstance(raw, Mapping):
            raise ValueError(f"a fault rule must be an object, got {raw!r}")
        allowed = {"kind", "status", "retry_after", "count", "rate", "match", "seconds", "after"}
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise ValueError(f"unknown fault rule field(s) {unknown}; allowed: {sorted(allowed)}")
        if "kind" not in raw:
            raise ValueError(f"a fault rule needs a 'kind' (one of {KINDS})")
        rule = cls(**raw)
        if rule.kind not in KINDS:
            raise ValueError(f"fault kind must be one of {KINDS}, got {rule.kind!r}")
        if rule.kind == "error" and not (isinstance(rule.status, int) and 400 <= rule.status <= 599):
            raise ValueError(f"an error fault needs a 4xx/5xx status, got {rule.status!r}")
        if rule.count is not None and (not isinstance(rule.count, int) or rule.count < 0):
            raise ValueError(f"count must be a non-negative integer, got {rule.count!r}")
        if not isinstance(rule.rate, int | float) or not 0 < rule.rate <= 1:
            raise ValueError(f"rate must be within (0, 1], got {rule.rate!r}")
        if rule.retry_after is not None and (not isinstance(rule.retry_after, int | float) or rule.retry_after < 0):
            raise ValueError(f"retry_after must be a non-negative number, got {rule.retry_after!r}")
        if not isinstance(rule.seconds, int | float) or rule.seconds < 0:
            raise ValueError(f"seconds must be a non-negative number, got {rule.seconds!r}")
        if not isinstance(rule.after, bool):
            raise ValueError(f"after must be true or false, got {rule.after!r}")
        if rule.match is not None:
            try:
                re.compile(rule.match)
            except re.error as exc:
                raise ValueError(f"match is not a valid regular expression: {exc}") from None
        return rule

    @property
    def used_up(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def fires(self, target: str) -> bool:
        """Whether this rule applies to the request `target` ("METHOD /path"); counts it if so."""
        if self.used_up or (self.match is not None and re.search(self.match, target) is None):
            return False
        self.seen += 1
        if math.floor(self.seen * self.rate) <= math.floor((self.seen - 1) * self.rate):
            return False
        self.fired += 1
        return True

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class FaultDecision:
    delay: float = 0.0
    delay_after: float = 0.0
    drop: bool = False
    error: FaultRule | None = None
    # Whether the drop or error comes after the application has handled the request.
    after: bool = False


class FaultInjector:
    """The active fault rules, shared by the HTTP layer and the batch engine.

    Example::

        faults = FaultInjector()
        faults.add([{"kind": "error", "status": 429, "retry_after": 1, "count": 2}])
    """

    def __init__(self, rules: Iterable[Mapping[str, Any]] = (), *, token_limit_batches: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._token_limit_batches = token_limit_batches
        # Run-time replacements of the server options' limits and line failures; None keeps the
        # options' values, so clearing the faults returns to how the server was started.
        self._token_limits: TokenLimits | None = None
        self._line_failures: LineFailures | None = None
        self.add(rules)

    def token_limits(self, started_with: TokenLimits) -> TokenLimits:
        with self._lock:
            return self._token_limits or started_with

    def line_failures(self, started_with: LineFailures) -> LineFailures:
        with self._lock:
            return self._line_failures or started_with

    def configure(self, raw: Mapping[str, Any], *, limits: TokenLimits, failures: LineFailures) -> None:
        """Apply the limit and line-failure fields present in `raw` over the current values
        (`limits` / `failures`: the server's options, used where nothing was set at run time)."""
        with self._lock:
            if TOKEN_LIMIT_FIELDS & raw.keys():
                self._token_limits = (self._token_limits or limits).changed(raw)
            if LINE_FAILURE_FIELDS & raw.keys():
                self._line_failures = (self._line_failures or failures).changed(raw)

    def add(self, rules: Iterable[Mapping[str, Any]]) -> None:
        parsed = [FaultRule.from_dict(rule) for rule in rules]
        with self._lock:
            self._rules.extend(parsed)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._token_limit_batches = 0
            self._token_limits = None
            self._line_failures = None

    def set_token_limit_batches(self, count: int) -> None:
        if not isinstance(count, int) or count < 0:
            raise ValueError(f"token_limit_batches must be a non-negative integer, got {count!r}")
        with self._lock:
            self._token_limit_batches = count

    def take_token_limit(self) -> bool:
        """Whether the batch being validated now must fail with token_limit_exceeded."""
        with self._lock:
            if self._token_limit_batches <= 0:
                return False
            self._token_limit_batches -= 1
            return True

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "rules": [rule.to_json() for rule in self._rules],
                "token_limit_batches": self._token_limit_batches,
            }

    def decide(self, method: str, path: str) -> FaultDecision:
        target = f"{method} {path}"
        decision = FaultDecision()
        with self._lock:
            for rule in self._rules:
                if decision.drop or decision.error is not None:
                    break
                if not rule.fires(target):
                    continue
                if rule.kind == "delay":
                    if rule.after:
                        decision.delay_after += rule.seconds
                    else:
                        decision.delay += rule.seconds
                    continue
                decision.after = rule.after
                if rule.kind == "drop":
                    decision.drop = True
                else:
                    decision.error = rule
        return decision


def fault_error_body(status: int, retry_after: float | None) -> dict[str, Any]:
    if status == 429:
        wait = f" Please try again in {retry_after:g}s." if retry_after is not None else ""
        return error_body(f"Rate limit reached for requests.{wait}", type="requests", code="rate_limit_exceeded")
    if status == 503:
        return error_body("The server is overloaded or not ready yet.", type="server_error")
    if status >= 500:
        return error_body(
            "The server had an error while processing your request. Sorry about that!", type="server_error"
        )
    return error_body(f"Injected fault: status {status}.", type="invalid_request_error")


class ConnectionDropped(Exception):
    """Raised to make the server close a connection whose response has started."""


class FaultMiddleware:
    """Applies the injector's decision to each request before the application sees it."""

    def __init__(self, app: ASGIApp, injector: FaultInjector) -> None:
        self._app = app
        self._injector = injector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self._app(scope, receive, send)
            return
        decision = self._injector.decide(scope["method"], scope["path"])
        if decision.delay:
            await anyio.sleep(decision.delay)
        faulted = decision.drop or decision.error is not None
        if faulted and not decision.after:
            await self._fault(decision, scope, receive, send)
            return
        if not faulted and not decision.delay_after:
            await self._app(scope, receive, send)
            return
        # Carry the request out, hold its response back, then fault or release it.
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self._app(scope, receive, hold)
        if decision.delay_after:
            await anyio.sleep(decision.delay_after)
        if faulted:
            await self._fault(decision, scope, receive, send)
            return
        for message in held:
            await send(message)

    async def _fault(self, decision: FaultDecision, scope: Scope, receive: Receive, send: Send) -> None:
        if decision.drop:
            await self._drop(scope, receive, send)
        elif decision.error is not None:
            await self._send_error(decision.error, send)

    async def _drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        abort = scope.get("state", {}).get(ABORT_CONNECTION_KEY)
        if abort is not None:
            abort()
            # Wait for the server to notice the closed connection, so it does not try to answer.
            message: Message = {"type": "http.request"}
            while message["type"] != "http.disconnect":
                message = await receive()
            return
        # Another server: promise a body, then fail, which makes it close the connection.
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]})
        raise ConnectionDropped("connection dropped by fault injection")

    async def _send_error(self, rule: FaultRule, send: Send) -> None:
        body = json.dumps(fault_error_body(rule.status, rule.retry_after)).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if rule.retry_after is not None:
            headers.append((b"retry-after", str(math.ceil(rule.retry_after)).encode()))
            headers.append((b"retry-after-ms", str(round(rule.retry_after * 1000)).encode()))
        await send({"type": "http.response.start", "status": rule.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
