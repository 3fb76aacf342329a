"""Creating a batch or uploading a file without ever doing it twice because of a retry.

The problem: the service takes no idempotency key. If ``POST /batches`` times out after
the request was sent, the batch may exist (and will be billed); blindly resending can
create a second one. So these two calls are never retried by the transport
(``transport_retries=0``); their flows classify each failure (`_retry.Outcome`):

- NOT_APPLIED (connect error, 408/409/429): the server did not act; resubmit after backoff.
- UNKNOWN (read timeout, dropped connection, 5xx): it may have acted. Before any
  further submission, look for the result; adopt it if found, resubmit only if not.
- FINAL (other 4xx, bad input): raise.

How the result is found:

- batches: `create` puts a client token in `metadata["openai_batch_token"]` (a uuid4, or
  the caller's own value if the key is already present, which lets a caller keep the
  token across process restarts). The lookup lists the newest batches (two pages of
  100; the list is newest first) for that token and the same `input_file_id`. If the
  caller's metadata already has the maximum 16 keys there is no room for the token: the
  batch is created without one, and after an UNKNOWN outcome it is not resubmitted
  (the error says the outcome is unknown) rather than risk a duplicate.
- files: there is nowhere to put a token, so the lookup lists the newest files of the
  same purpose and takes one with the same filename and byte size created since the
  upload started (minus `CLOCK_SKEW` for the difference between our clock and the
  server's). Trade-off: an identical-looking upload (same name, size and purpose) made
  by another process in that window would be adopted as ours. Uploads are free and
  files can be deleted, so a rare wrong adoption is judged worse than never dedupe,
  but callers needing certainty should use unique filenames.

Residual risk, documented for callers: the lookup runs after the backoff delay, but a
request still being processed when we look can land after it. The token makes such a
duplicate detectable afterwards (`list` and compare `metadata["openai_batch_token"]`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, cast

import httpx
from openai_batch_api.api.batch import create_batch as create_batch_endpoint
from openai_batch_api.api.batch import list_batches
from openai_batch_api.api.files import list_files
from openai_batch_api.models import OpenAIFile

from ._core import Flow, GeneratedCall, HttpCall, Sleep, expect_parsed
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    OpenAIBatchError,
    make_status_error,
)
from ._logging import logger
from ._retry import Outcome, RetryPolicy, error_outcome, status_outcome
from ._upload import UploadSource, request_options

if TYPE_CHECKING:
    from openai_batch_api.models import Batch, CreateBatchRequest, ListBatchesResponse, ListFilesResponse
    from openai_batch_api.types import Response

TOKEN_KEY: Final = "openai_batch_token"
MAX_METADATA_KEYS: Final = 16
LOOKUP_PAGES: Final = 2
LOOKUP_PAGE_SIZE: Final = 100
CLOCK_SKEW: Final = 120.0  # seconds of disagreement tolerated between our clock and the server's


def tokenize_metadata(metadata: Mapping[str, str] | None) -> tuple[dict[str, str], str | None]:
    """The metadata to send and the token it carries (None when 16 user keys leave no room)."""
    sent = dict(metadata) if metadata is not None else {}
    for key, value in sent.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"metadata keys and values must be strings; {key!r} has a {type(value).__name__} value")
    if TOKEN_KEY in sent:
        return sent, sent[TOKEN_KEY]
    if len(sent) >= MAX_METADATA_KEYS:
        logger.warning(
            "batches.create: metadata already has %d keys, no room for %r; the batch is created without a "
            "duplicate-detection token and will not be resubmitted after an unknown outcome",
            len(sent),
            TOKEN_KEY,
        )
        return sent, None
    sent[TOKEN_KEY] = uuid.uuid4().hex
    return sent, sent[TOKEN_KEY]


class _JSONBody:
    """A request body the generated `create_batch` accepts: it only calls `body.to_dict()`.

    Building the JSON ourselves instead of a generated `CreateBatchRequest` keeps this
    module importable when the package is generated from an older spec (where that
    model is named `CreateBatchBody`), and lets endpoints the spec does not list yet pass.
    """

    __slots__ = ("_payload",)

    def __init__(self, payload: dict[str, Any]) -> None:
        self._payload = payload

    def to_dict(self) -> dict[str, Any]:
        return self._payload


def _metadata_token(batch: Batch) -> object:
    metadata = batch.metadata
    properties = getattr(metadata, "additional_properties", metadata)
    return properties.get(TOKEN_KEY) if isinstance(properties, dict) else None


def _find_batch(token: str, input_file_id: str) -> Flow[Batch | None]:
    after: str | None = None
    for _ in range(LOOKUP_PAGES):
        kwargs: dict[str, Any] = {"limit": LOOKUP_PAGE_SIZE}
        if after is not None:
            kwargs["after"] = after
        step = GeneratedCall("listBatches", list_batches.sync_detailed, list_batches.asyncio_detailed, kwargs)
        response: Response[ListBatchesResponse] = yield step
        page = expect_parsed("listBatches", response)
        for batch in page.data:
            if _metadata_token(batch) == token and batch.input_file_id == input_file_id:
                return batch
        if not page.has_more or not page.data:
            return None
        after = page.data[-1].id
    return None


def _unknown(operation: str, cause: BaseException, detail: str) -> APIConnectionError:
    what = f"HTTP {cause.status_code}" if isinstance(cause, APIStatusError) else f"{type(cause).__name__}: {cause}"
    return APIConnectionError(
        f"{operation}: outcome unknown after {what}; {detail}", operation=operation, outcome_unknown=True
    )


def _next_delay(
    operation: str,
    failure: BaseException,
    attempt: int,
    max_retries: int,
    policy: RetryPolicy,
    headers: Mapping[str, str] | None,
    uncertain: bool,
    unknown_hint: str,
) -> float:
    """The backoff before the next attempt of a create, or the error that ends it.

    Out of retries (or the server says not to retry), a create whose outcome is unknown
    raises an outcome-unknown APIConnectionError carrying `unknown_hint`; otherwise the
    last failure.
    """
    delay = policy.delay(attempt, headers) if attempt < max_retries else None
    if delay is None:
        if uncertain:
            raise _unknown(operation, failure, unknown_hint) from None
        raise failure
    logger.info(
        "%s: retry %d of %d in %.3f s after %s", operation, attempt + 1, max_retries, delay, type(failure).__name__
    )
    return delay


def create_batch(payload: dict[str, Any], token: str | None, max_retries: int, policy: RetryPolicy) -> Flow[Batch]:
    """POST /batches at most once in effect; see the module docstring."""
    endpoint = create_batch_endpoint
    # The generated signature wants its model; the body object satisfies what it uses (see _JSONBody).
    body = cast("CreateBatchRequest", _JSONBody(payload))
    step = GeneratedCall("createBatch", endpoint.sync_detailed, endpoint.asyncio_detailed, {"body": body}, 0)
    input_file_id = str(payload["input_file_id"])
    attempt = 0
    uncertain = False  # True once an attempt may have created the batch
    failure: BaseException | None = None
    while True:
        headers: Mapping[str, str] | None = None
        submit = True
        if uncertain and token is not None:
            try:
                found = yield from _find_batch(token, input_file_id)
            except (httpx.HTTPError, OpenAIBatchError) as exc:
                logger.info(
                    "createBatch: looking for token %s failed (%s); not resubmitting yet", token, type(exc).__name__
                )
                submit = False
            else:
                if found is not None:
                    logger.info(
                        "createBatch: the earlier attempt created %s (token %s); not resubmitting", found.id, token
                    )
                    return found
        if submit:
            try:
                response: Response[Batch] = yield step
                return expect_parsed("createBatch", response)
            except httpx.HTTPError as exc:
                failure, outcome = exc, error_outcome(exc)
            except APIStatusError as exc:
                failure, headers = exc, exc.response.headers
                outcome = status_outcome(exc.status_code, headers)
            if outcome is Outcome.FINAL:
                raise failure
            if outcome is Outcome.UNKNOWN and token is None:
                raise _unknown(
                    "createBatch",
                    failure,
                    "a batch may have been created; not resubmitting because the metadata had no room "
                    "for a duplicate-detection token",
                ) from None
            uncertain = uncertain or outcome is Outcome.UNKNOWN
        assert failure is not None  # every path that loops has failed once
        delay = _next_delay(
            "createBatch",
            failure,
            attempt,
            max_retries,
            policy,
            headers,
            uncertain,
            f"a batch may have been created: look for metadata {TOKEN_KEY}={token!r} before creating it again",
        )
        attempt += 1
        yield Sleep(delay)


def _find_file(source: UploadSource, purpose: str, since: float) -> Flow[OpenAIFile | None]:
    kwargs: dict[str, Any] = {"purpose": purpose, "order": "desc", "limit": LOOKUP_PAGE_SIZE}
    step = GeneratedCall("listFiles", list_files.sync_detailed, list_files.asyncio_detailed, kwargs)
    response: Response[ListFilesResponse] = yield step
    for candidate in expect_parsed("listFiles", response).data:
        if (
            candidate.filename == source.filename
            and candidate.bytes_ == source.size
            and candidate.purpose == purpose
            and candidate.created_at >= since
        ):
            return candidate
    return None


def parse_file(response: httpx.Response) -> OpenAIFile:
    """The `OpenAIFile` of a createFile response, or the matching error."""
    if response.status_code >= 400:
        raise make_status_error("createFile", response)
    try:
        if response.status_code != 200:
            raise ValueError(f"expected HTTP 200, got {response.status_code}")
        return OpenAIFile.from_dict(response.json())
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # Built here, raised below: raised inside this block it would chain the parse error,
        # whose frames hold the body as received (see `_core`).
        error = APIResponseValidationError(
            f"createFile: the response body does not match the createFile response schema "
            f"({type(exc).__name__}: {exc}); the raw body is in .body",
            operation="createFile",
            body=response.content,
            status_code=response.status_code,
            response=response,
        )
    raise error


def upload_file(
    source: UploadSource, fields: Mapping[str, str], max_retries: int, policy: RetryPolicy
) -> Flow[OpenAIFile]:
    """POST /files at most once in effect; see the module docstring. Closes `source` when done."""
    purpose = fields["purpose"]
    attempt = 0
    uncertain = False
    failure: BaseException | None = None
    try:
        started = policy.clock()
        while True:
            headers: Mapping[str, str] | None = None
            submit = True
            if uncertain:
                try:
                    found = yield from _find_file(source, purpose, started - CLOCK_SKEW)
                except (httpx.HTTPError, OpenAIBatchError) as exc:
                    logger.info("createFile: looking for the earlier upload failed (%s)", type(exc).__name__)
                    submit = False
                else:
                    if found is not None:
                        logger.info("createFile: the earlier attempt uploaded %s; not uploading again", found.id)
                        return found
            if submit:
                step = HttpCall("createFile", "POST", "/files", request_options(source, fields), transport_retries=0)
                try:
                    response: httpx.Response = yield step
                    return parse_file(response)
                except httpx.HTTPError as exc:
                    failure, outcome = exc, error_outcome(exc)
                except APIStatusError as exc:
                    failure, headers = exc, exc.response.headers
                    outcome = status_outcome(exc.status_code, headers)
                if outcome is Outcome.FINAL:
                    raise failure
                if not source.replayable:
                    if outcome is Outcome.UNKNOWN:
                        raise _unknown(
                            "createFile",
                            failure,
                            "the file may have been uploaded; the source stream cannot be rewound to upload it again",
                        ) from None
                    raise failure
                uncertain = uncertain or outcome is Outcome.UNKNOWN
            assert failure is not None  # every path that loops has failed once
            delay = _next_delay(
                "createFile",
                failure,
                attempt,
                max_retries,
                policy,
                headers,
                uncertain,
                f"the file may have been uploaded: look for {source.filename!r} in files.list(purpose={purpose!r})",
            )
            attempt += 1
            yield Sleep(delay)
    finally:
        source.close()
