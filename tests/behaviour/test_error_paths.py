"""Every error path (`error_paths.PATHS`): the right error, no key anywhere, and it travels.

For each path and client mode: the error is of the documented class with its status and request
id; the key is in none of its texts, its pickle, its chained causes, the local variables of the
frames on its traceback (what error trackers record, `capture_locals=True`), nor anything it
keeps alive except the client's `Secret`; it pickles and unpickles with its fields intact,
in this process and across a real process pool. The server echoes every request back.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import multiprocessing
import pickle
import traceback
import typing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import anyio
import attrs
import httpx
import openai_batch
import pytest
from openai_batch import APIError, APIStatusError, AsyncBatchClient, BatchClient, OpenAIBatchError
from openai_batch._secret import REDACTED, Secret
from openai_batch.resources import AsyncBatches, AsyncFiles, Batches, Files
from openai_batch.workflow import WorkflowError

from tests.behaviour.error_paths import (
    KEY,
    KEY_BYTES,
    PATHS,
    ErrorPath,
    Rig,
    chain,
    fields,
    key_holders,
    raise_in_worker,
    raised,
    stack_locals,
)
from tests.fixtures.echo_server import REQUEST_ID, EchoServer

CASES = [pytest.param(p, mode, id=f"{mode}: {p.name}") for p in PATHS for mode in p.modes]


@pytest.fixture(scope="module")
def echo() -> Iterator[EchoServer]:
    with EchoServer() as server:
        yield server


@pytest.fixture(scope="module")
def errors(echo: EchoServer) -> dict[tuple[str, str], BaseException]:
    """Each case's error, raised once for the module (the checks below only look at it)."""
    found: dict[tuple[str, str], BaseException] = {}
    for p in PATHS:
        for mode in p.modes:
            try:
                found[(p.name, mode)] = raised(p, mode, echo.port)
            except AssertionError as exc:  # the path raised nothing: its own cases fail, not all
                found[(p.name, mode)] = exc
    return found


def error_of(errors: dict[tuple[str, str], BaseException], error_path: ErrorPath, mode: str) -> BaseException:
    return errors[(error_path.name, mode)]


# --- the error is the documented one ------------------------------------------------------------


@pytest.mark.parametrize(("error_path", "mode"), CASES)
def test_the_path_raises_its_documented_error(
    errors: dict[tuple[str, str], BaseException], error_path: ErrorPath, mode: str
) -> None:
    exc = error_of(errors, error_path, mode)
    assert type(exc) is error_path.raises, f"{type(exc).__name__}: {exc}"
    assert error_path.says in str(exc)
    if error_path.status is not None:
        assert isinstance(exc, APIStatusError) and exc.status_code == error_path.status
        assert exc.response.status_code == error_path.status
    if error_path.request_id:
        assert isinstance(exc, APIError) and exc.request_id == REQUEST_ID
    if error_path.has_request:
        assert isinstance(exc, APIError) and isinstance(exc.request, httpx.Request)
        assert exc.request.headers["authorization"] == REDACTED  # the header is there, its value is not


def test_every_exception_class_has_a_path() -> None:
    exported = {getattr(openai_batch, name) for name in openai_batch.__all__}
    classes = {c for c in exported if isinstance(c, type) and issubclass(c, OpenAIBatchError)}
    bases = {OpenAIBatchError, APIError, WorkflowError}
    assert classes - bases - {p.raises for p in PATHS} == set()


# --- no key anywhere ------------------------------------------------------------------------------


@pytest.mark.parametrize(("error_path", "mode"), CASES)
def test_the_error_and_its_chain_hold_no_key(
    errors: dict[tuple[str, str], BaseException], error_path: ErrorPath, mode: str
) -> None:
    exc = error_of(errors, error_path, mode)
    for item in chain(exc):
        assert KEY not in str(item) and KEY not in repr(item)
        assert KEY not in repr(vars(item))
        assert KEY_BYTES not in pickle.dumps(item)  # request, response, body: everything it carries
    assert KEY not in "".join(traceback.format_exception(exc))


@pytest.mark.parametrize(("error_path", "mode"), CASES)
def test_no_local_on_the_stack_holds_the_key(
    errors: dict[tuple[str, str], BaseException], error_path: ErrorPath, mode: str
) -> None:
    exc = error_of(errors, error_path, mode)
    recorded = traceback.TracebackException.from_exception(exc, capture_locals=True)
    text = "".join(recorded.format())
    assert "repr() failed" not in text
    assert KEY not in text
    for function, name, value in stack_locals(exc):  # repr() itself must work on half-built objects
        assert KEY not in repr(value), f"{function}(): {name}"


@pytest.mark.parametrize(("error_path", "mode"), CASES)
def test_only_the_secret_holds_the_key(
    errors: dict[tuple[str, str], BaseException], error_path: ErrorPath, mode: str
) -> None:
    # Everything the error keeps alive: its attributes, its chain, the frames of its traceback
    # and all their locals (the client included), followed reference by reference.
    assert key_holders(error_of(errors, error_path, mode)) == []


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_used_client_holds_the_key_only_in_its_secret(echo: EchoServer, tmp_path: Path, mode: str) -> None:
    async def use() -> list[str]:
        rig = Rig(mode, echo.port, tmp_path)
        try:
            client = rig.client("in-progress")
            await rig.call(client.batches.retrieve("batch_1"))  # a success, then a failure, on one client
            with pytest.raises(openai_batch.NotFoundError):
                await rig.lines(client.files.content("file-1"))
            return key_holders(client)
        finally:
            await rig.close()

    assert anyio.run(use) == []


# --- it travels -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("error_path", "mode"), CASES)
def test_the_error_pickles_with_its_fields(
    errors: dict[tuple[str, str], BaseException], error_path: ErrorPath, mode: str
) -> None:
    exc = error_of(errors, error_path, mode)
    restored = pickle.loads(pickle.dumps(exc))
    assert type(restored) is type(exc)
    assert fields(restored) == fields(exc)


def test_errors_cross_a_real_process_pool(echo: EchoServer, tmp_path: Path) -> None:
    # spawn: a fresh interpreter, as with a pool started from a threaded program (fork would
    # copy the echo server's thread state).
    context = multiprocessing.get_context("spawn")
    cases = [(p, mode) for p in PATHS for mode in p.modes]
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = [
            pool.submit(raise_in_worker, p.name, mode, echo.port, str(tmp_path / f"{n}.json"))
            for n, (p, mode) in enumerate(cases)
        ]
        outcomes = [future.exception(timeout=120) for future in futures]
    for n, ((error_path, mode), exc) in enumerate(zip(cases, outcomes, strict=True)):
        assert exc is not None, f"{mode}: {error_path.name} raised nothing in the worker"
        assert type(exc) is error_path.raises, f"{mode}: {error_path.name}: {type(exc).__name__}: {exc}"
        assert fields(exc) == json.loads((tmp_path / f"{n}.json").read_text()), f"{mode}: {error_path.name}"


# --- the checks can fail -------------------------------------------------------------------------


def test_the_checks_find_a_planted_key() -> None:
    planted = APIError("no key here", operation="op")
    planted.extra = {"deep": [("x", KEY.encode())]}  # type: ignore[attr-defined]
    assert key_holders(planted) != []
    assert KEY_BYTES in pickle.dumps(planted)

    def leaky(value: str) -> None:
        raise RuntimeError("no key in the message")

    with pytest.raises(RuntimeError) as caught:
        leaky(KEY)
    assert any(KEY in repr(value) for _, _, value in stack_locals(caught.value))
    assert key_holders(Secret(KEY)) == []  # the one allowed holder


# --- repr of every public object, in any state ----------------------------------------------------


def hand_built_classes() -> list[type]:
    """Public classes with a hand-written __init__, which can stop halfway.

    attrs and dataclass initialisers set every field before a validator can raise, so their
    objects are never half-built; enums and TypedDicts have no instances of their own;
    named tuples are built whole by tuple.__new__; exceptions are covered by the error paths above.
    """
    exported = [getattr(openai_batch, name) for name in openai_batch.__all__]
    classes = [c for c in exported if isinstance(c, type) and not issubclass(c, BaseException)]
    extra = [AsyncFiles, AsyncBatches, Batches, Files]
    return [
        c
        for c in [*classes, *extra]
        if not (
            attrs.has(c) or dataclasses.is_dataclass(c) or issubclass(c, enum.Enum | tuple) or typing.is_typeddict(c)
        )
    ]


@pytest.mark.parametrize("cls", hand_built_classes(), ids=lambda c: c.__name__)
def test_repr_works_on_a_half_built_object(cls: type) -> None:
    blank = object.__new__(cls)  # nothing of __init__ has run
    assert isinstance(repr(blank), str)


@pytest.mark.parametrize("cls", [BatchClient, AsyncBatchClient])
def test_repr_of_a_client_whose_settings_were_refused(cls: type[BatchClient]) -> None:
    client = object.__new__(cls)
    with pytest.raises(openai_batch.ConfigurationError):
        cls.__init__(client, KEY, base_url=f"https://{KEY}@gw.example/v1")
    assert repr(client) == f"{cls.__name__}(<not configured>)"
