"""The key-free copies of requests, responses and httpx errors that exceptions keep (`_redact`)."""

from __future__ import annotations

import gzip
import pickle

import httpx
from openai_batch._redact import Redactor
from openai_batch._secret import REDACTED, Secret

KEY = "sk-test-REDACT-81f3a0c9d2"


def sent_request() -> httpx.Request:
    return httpx.Request(
        "POST",
        f"https://user:pw@gw.example/v1/batches?note={KEY}",
        headers={"Authorization": f"Bearer {KEY}", "x-trace": f"for {KEY}", "cookie": "a=1"},
        content=f'{{"metadata": {{"k": "{KEY}"}}}}'.encode(),
    )


def test_the_request_copy_keeps_what_was_sent_without_credentials() -> None:
    request = sent_request()
    copy = Redactor.of(None, request).request(request)  # the key is learnt from the Authorization header
    assert (copy.method, copy.url.path) == ("POST", "/v1/batches")
    assert copy.url.userinfo == b""
    assert copy.url.params["note"] == REDACTED
    assert copy.headers["authorization"] == REDACTED and copy.headers["cookie"] == REDACTED
    assert copy.headers["x-trace"] == f"for {REDACTED}"
    assert copy.content == f'{{"metadata": {{"k": "{REDACTED}"}}}}'.encode()
    assert KEY.encode() not in pickle.dumps(copy)
    assert request.headers["authorization"] == f"Bearer {KEY}"  # the original is left alone


def test_short_credential_values_are_not_scrubbed_from_text() -> None:
    # "a=1" from the cookie header must not turn every "a=1" in a message into the marker.
    assert Redactor.of(None, sent_request()).text("x a=1 y") == "x a=1 y"


def test_the_response_copy_holds_the_decoded_body_and_the_cleaned_request() -> None:
    request = sent_request()
    body = f'{{"error": {{"message": "echo Bearer {KEY}"}}}}'.encode()
    response = httpx.Response(
        401,
        headers={"content-encoding": "gzip", "x-echo-authorization": f"Bearer {KEY}", "x-request-id": "req_1"},
        content=gzip.compress(body),
        request=request,
    )
    response.read()
    redactor = Redactor.of(Secret(KEY), request)
    copy = redactor.response(response, redactor.request(request))
    assert copy.status_code == 401 and copy.reason_phrase == "Unauthorized"
    assert copy.content == f'{{"error": {{"message": "echo Bearer {REDACTED}"}}}}'.encode()
    assert "content-encoding" not in copy.headers  # the copy's body is already decoded
    assert copy.headers["x-echo-authorization"] == f"Bearer {REDACTED}"
    assert copy.request.headers["authorization"] == REDACTED
    restored = pickle.loads(pickle.dumps(copy))
    assert restored.content == copy.content and restored.headers["x-request-id"] == "req_1"


def test_the_error_copy_keeps_its_class_and_drops_its_chain() -> None:
    request = sent_request()
    try:
        try:
            raise KeyError(KEY)
        except KeyError:
            raise httpx.ConnectTimeout(f"timed out sending Bearer {KEY}", request=request) from None
    except httpx.ConnectTimeout as exc:
        copy = Redactor.of(None, request).error(exc)
    assert type(copy) is httpx.ConnectTimeout
    assert str(copy) == f"timed out sending {REDACTED}"  # the whole header value is a credential
    assert copy.__traceback__ is None and copy.__context__ is None
    assert copy.request.headers["authorization"] == REDACTED


def test_an_error_of_an_unknown_subclass_is_copied_as_its_httpx_class() -> None:
    class Custom(httpx.ReadError):
        def __init__(self, request: httpx.Request) -> None:
            super().__init__(f"custom {KEY}", request=request)

    copy = Redactor.of(None, sent_request()).error(Custom(sent_request()))
    assert type(copy) is httpx.ReadError and KEY not in str(copy)
