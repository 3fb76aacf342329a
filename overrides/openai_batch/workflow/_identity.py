"""A job's identity, derived from what defines it, and the tags it leaves on the service.

The id is a hash of the input's sha256, the endpoint, the completion window, the API origin
(base URL, organization, project) and every option that shapes the batches (shard limits,
metadata, output expiry). The same command on any machine therefore names the same job,
and every upload (its file name) and batch (its metadata) carries tags derived from that
id: the service itself says what was already sent, and the local state is only a cache.

``--new`` (``new=True``) adds a random nonce: another job for the same input, with an id of
its own that a rerun names with ``--job``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import Any

import attrs

from ._errors import JobError

__all__ = [
    "INPUT_TAG",
    "JOB_TAG",
    "JobConflictError",
    "JobDefinition",
    "client_origin",
    "parse_job_tag",
    "shard_file_name",
]

#: Batch metadata ``<job id>:<shard>:<attempt>``: which job, shard and attempt a batch runs.
JOB_TAG = "openai_batch_job"
#: Batch metadata: the first 16 hex digits of the input's sha256 (finds a job sent with other options).
INPUT_TAG = "openai_batch_input"

# How each part of a definition is named when a resume is refused, and the flag that sets it.
_PARTS = {
    "input_sha256": "input file content",
    "endpoint": "endpoint (--endpoint)",
    "completion_window": "completion window (--completion-window)",
    "origin": "API origin (--base-url / OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID)",
    "limits": "shard limits (--max-*-per-batch)",
    "metadata": "metadata (--metadata)",
    "output_expires_after": "output expiry (--output-expires-after)",
}


class JobConflictError(JobError):
    """The job for this input was started with other options, or against another API origin."""


def client_origin(client: object, *, deployment: str | None = None) -> dict[str, str | None]:
    """Where a client sends its calls: base URL, organization and project (never the key).

    On a service other than OpenAI the provider's name is part of it, and `deployment` (the
    input's model, which names an Azure deployment) when given. Both are left out for OpenAI,
    so a job started before providers existed keeps its id.
    """

    def text(name: str) -> str | None:
        value = getattr(client, name, None)
        return value if isinstance(value, str) and value else None

    base_url = text("base_url")
    origin: dict[str, str | None] = {
        "base_url": base_url.rstrip("/") if base_url else None,
        "organization": text("organization"),
        "project": text("project"),
    }
    provider = getattr(getattr(client, "provider", None), "name", None)
    if isinstance(provider, str) and provider != "openai":
        origin["provider"] = provider
        if deployment:
            origin["deployment"] = deployment
    return origin


@attrs.frozen
class JobDefinition:
    """Everything that defines a job; :attr:`job_id` is derived from it.

    Example::

        definition = JobDefinition(input_sha256=digest, endpoint="/v1/chat/completions",
                                   completion_window="24h", origin=client_origin(client),
                                   limits=BatchLimits().to_dict(), metadata={})
        print(definition.job_id)   # job_3f2a...: the same on every machine
    """

    input_sha256: str
    endpoint: str
    completion_window: str
    origin: Mapping[str, str | None]
    limits: Mapping[str, int]
    metadata: Mapping[str, str]
    output_expires_after: Mapping[str, Any] | None = None
    nonce: str | None = None

    @classmethod
    def new_nonce(cls) -> str:
        return secrets.token_hex(8)

    @property
    def job_id(self) -> str:
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return "job_" + hashlib.sha256(canonical.encode()).hexdigest()[:16]

    @property
    def input_tag(self) -> str:
        return self.input_sha256[:16]

    def to_dict(self) -> dict[str, Any]:
        return {
            "input_sha256": self.input_sha256,
            "endpoint": self.endpoint,
            "completion_window": self.completion_window,
            "origin": dict(self.origin),
            "limits": dict(self.limits),
            "metadata": dict(self.metadata),
            "output_expires_after": None if self.output_expires_after is None else dict(self.output_expires_after),
            "nonce": self.nonce,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobDefinition:
        return cls(
            input_sha256=data["input_sha256"],
            endpoint=data["endpoint"],
            completion_window=data["completion_window"],
            origin=dict(data["origin"]),
            limits=dict(data["limits"]),
            metadata=dict(data["metadata"]),
            output_expires_after=data.get("output_expires_after"),
            nonce=data.get("nonce"),
        )

    def differences(self, other: JobDefinition) -> list[str]:
        """What differs from ``other`` (the nonce aside), as '<part>: <ours> (now <theirs>)' phrases."""
        ours, theirs = self.to_dict(), other.to_dict()
        found = []
        for key, label in _PARTS.items():
            if ours[key] != theirs[key]:
                found.append(f"{label}: {_show(key, ours[key])} (now {_show(key, theirs[key])})")
        return found


def _show(key: str, value: Any) -> str:
    if key == "input_sha256":
        return f"sha256 {str(value)[:12]}…"
    if key == "origin" and isinstance(value, dict):
        parts = [value.get("base_url") or "?"]
        parts += [f"{k}={v}" for k, v in value.items() if k != "base_url" and v]
        return " ".join(parts)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items())) or "none"
    return str(value)


def shard_file_name(job_id: str, index: int) -> str:
    """The upload name of a shard: unique to the job, so the service's file list says what was sent."""
    return f"{job_id}-shard{index:05d}.jsonl"


def parse_job_tag(value: object) -> tuple[str, int, int] | None:
    """(job id, shard, attempt) from a ``JOB_TAG`` value, or None if it is not one."""
    if not isinstance(value, str):
        return None
    job_id, _, rest = value.partition(":")
    shard, _, attempt = rest.partition(":")
    if not job_id.startswith("job_") or not shard.isdigit() or not attempt.isdigit():
        return None
    return job_id, int(shard), int(attempt)
