"""Upload a batch input file only after it passed validation."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Protocol

from openai_batch_api.models import OpenAIFile

from ..providers import ProviderProfile
from ._errors import InputValidationError
from ._limits import BatchLimits
from ._validate import ValidationReport, validate_input_file

__all__ = ["file_sha256", "peek_endpoint", "peek_model", "upload_batch_file"]


class _Creates(Protocol):
    def create(self, *, file: Path, purpose: str) -> OpenAIFile: ...


class _Client(Protocol):
    @property
    def files(self) -> _Creates: ...


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _first_request(path: str | os.PathLike[str]) -> dict[str, object] | None:
    """The first request line as an object, or None when it cannot be read."""
    with open(path, "rb") as handle:
        for raw in handle:
            if raw.strip():
                try:
                    item = json.loads(raw)
                except ValueError:
                    return None
                return item if isinstance(item, dict) else None
    return None


def peek_endpoint(path: str | os.PathLike[str]) -> str | None:
    """The ``url`` of the first request line, or None when it cannot be read."""
    url = (_first_request(path) or {}).get("url")
    return url if isinstance(url, str) else None


def peek_model(path: str | os.PathLike[str]) -> str | None:
    """The ``body.model`` of the first request line (on Azure, the deployment), or None when it cannot be read."""
    body = (_first_request(path) or {}).get("body")
    model = body.get("model") if isinstance(body, dict) else None
    return model if isinstance(model, str) and model else None


def check_input_file(
    path: str | os.PathLike[str],
    *,
    endpoint: str | None = None,
    limits: BatchLimits | None = None,
    profile: ProviderProfile | None = None,
) -> ValidationReport:
    """Validate ``path`` as one batch's input; raise :class:`InputValidationError` listing every problem.

    `profile` (another service) sets the rules and, unless `limits` is given, the limits.
    """
    report = validate_input_file(path, endpoint=endpoint, limits=limits, profile=profile)
    if not report.ok:
        raise InputValidationError(report)
    return report


def upload_batch_file(
    client: _Client,
    path: str | os.PathLike[str],
    *,
    endpoint: str | None = None,
    limits: BatchLimits | None = None,
) -> OpenAIFile:
    """Validate ``path`` as a batch input file, then upload it with ``purpose="batch"``.

    The rules and default limits are those of the client's service (``client.provider``).

    A file that breaks any rule is not sent: :class:`InputValidationError` lists the
    problems with their line numbers.

    Example::

        with BatchClient() as client:
            uploaded = upload_batch_file(client, "requests.jsonl")
            client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions")
    """
    profile = getattr(client, "provider", None)
    check_input_file(
        path, endpoint=endpoint, limits=limits, profile=profile if isinstance(profile, ProviderProfile) else None
    )
    return client.files.create(file=Path(path), purpose="batch")
