"""Lazy cursor pagination: every item across pages, one page in memory, sync and async."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import httpx
import pytest
from openai_batch import APIResponseValidationError, AsyncPage, AuthenticationError

from tests.behaviour.client_fakes import FakeAPI, batch_json, file_json, harness


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def api_with(batches: int = 0, files: int = 0) -> FakeAPI:
    api = FakeAPI()
    api.batches = [batch_json(f"batch_{i:03}") for i in range(batches)]
    api.files = [file_json(f"file-{i:03}", purpose="batch" if i % 2 else "batch_output") for i in range(files)]
    return api


def list_params(api: FakeAPI, path: str) -> list[dict[str, str]]:
    return [dict(r.url.params) for r in api.requests if r.url.path == path]


@pytest.mark.anyio
async def test_iterates_every_batch_across_pages_newest_first(mode: str) -> None:
    api = api_with(batches=7)
    async with harness(mode, api.handler) as h:
        ids = [b.id for b in await h.collect(h.client.batches.list(limit=3))]
    assert ids == [f"batch_{i:03}" for i in reversed(range(7))]
    assert list_params(api, "/v1/batches") == [
        {"limit": "3"},
        {"limit": "3", "after": "batch_004"},
        {"limit": "3", "after": "batch_001"},
    ]


@pytest.mark.anyio
async def test_iter_pages_yields_each_page(mode: str) -> None:
    api = api_with(batches=5)
    async with harness(mode, api.handler) as h:
        pages = await h.pages(h.client.batches.list(limit=2))
    assert [[b.id for b in page] for page in pages] == [
        ["batch_004", "batch_003"],
        ["batch_002", "batch_001"],
        ["batch_000"],
    ]


@pytest.mark.anyio
async def test_exact_multiple_stops_on_has_more_false(mode: str) -> None:
    api = api_with(batches=4)
    async with harness(mode, api.handler) as h:
        assert len(await h.collect(h.client.batches.list(limit=2))) == 4
    assert len(list_params(api, "/v1/batches")) == 2


@pytest.mark.anyio
async def test_empty_list(mode: str) -> None:
    api = api_with()
    async with harness(mode, api.handler) as h:
        assert await h.collect(h.client.batches.list()) == []
        assert await h.collect(h.client.files.list()) == []


@pytest.mark.anyio
async def test_empty_page_ends_iteration_even_if_has_more(mode: str) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        data = [batch_json("batch_a")] if calls == 1 else []
        return httpx.Response(200, json={"object": "list", "data": data, "has_more": True})

    async with harness(mode, handler) as h:
        assert [b.id for b in await h.collect(h.client.batches.list())] == ["batch_a"]
    assert calls == 2


@pytest.mark.anyio
async def test_a_page_that_repeats_the_cursor_raises_instead_of_looping(mode: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"object": "list", "data": [batch_json("batch_same")], "has_more": True})

    async with harness(mode, handler) as h:
        with pytest.raises(APIResponseValidationError, match="listBatches: has_more is true"):
            await h.collect(h.client.batches.list())


@pytest.mark.anyio
async def test_next_cursor_is_the_last_item_id_not_last_id_field(mode: str) -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params.get("after"))
        if len(seen) == 1:
            body: dict[str, Any] = {"object": "list", "data": [batch_json("b1"), batch_json("b2")], "has_more": True}
            body["last_id"] = "something-else"
            return httpx.Response(200, json=body)
        return httpx.Response(200, json={"object": "list", "data": [batch_json("b3")], "has_more": False})

    async with harness(mode, handler) as h:
        assert [b.id for b in await h.collect(h.client.batches.list())] == ["b1", "b2", "b3"]
    assert seen == [None, "b2"]


@pytest.mark.anyio
async def test_files_list_passes_filters_and_paginates(mode: str) -> None:
    api = api_with(files=9)
    async with harness(mode, api.handler) as h:
        files = await h.collect(h.client.files.list(purpose="batch", limit=2, order="desc"))
    assert [f.id for f in files] == ["file-007", "file-005", "file-003", "file-001"]
    params = list_params(api, "/v1/files")
    assert params[0] == {"purpose": "batch", "limit": "2", "order": "desc"}
    assert params[1] == {"purpose": "batch", "limit": "2", "order": "desc", "after": "file-005"}


@pytest.mark.anyio
async def test_starting_after_a_cursor(mode: str) -> None:
    api = api_with(batches=5)
    async with harness(mode, api.handler) as h:
        ids = [b.id for b in await h.collect(h.client.batches.list(after="batch_002"))]
    assert ids == ["batch_001", "batch_000"]


@pytest.mark.anyio
async def test_pages_are_fetched_only_as_iteration_reaches_them(mode: str) -> None:
    api = api_with(batches=6)
    async with harness(mode, api.handler) as h:
        pager = h.client.batches.list(limit=2)
        if isinstance(pager, AsyncPage):
            assert api.requests == []  # async: nothing until awaited or iterated
            iterator = aiter(pager)
            first = [await anext(iterator), await anext(iterator)]
            assert len(api.requests) == 1
            await anext(iterator)
            assert len(api.requests) == 2
            await iterator.aclose()  # type: ignore[attr-defined]
        else:
            assert len(api.requests) == 1  # sync: the first page is fetched on creation
            sync_iterator = iter(pager)
            first = [next(sync_iterator), next(sync_iterator)]
            assert len(api.requests) == 1
            next(sync_iterator)
            assert len(api.requests) == 2
    assert [b.id for b in first] == ["batch_005", "batch_004"]


@pytest.mark.anyio
async def test_only_the_current_page_is_held(mode: str) -> None:
    # Walking pages forward must drop earlier ones: the pager keeps no list of them.
    api = api_with(batches=6)
    async with harness(mode, api.handler) as h:
        pager = h.client.batches.list(limit=2)
        if isinstance(pager, AsyncPage):
            pager = await pager
            pages = [page async for page in pager.iter_pages()]
        else:
            pages = list(pager.iter_pages())
        assert [len(p.data) for p in pages] == [2, 2, 2]
        assert len(pager.data) == 2  # the first page's own items only
        assert not any(isinstance(v, list) and len(v) > 2 for v in vars(pager).values())


@pytest.mark.anyio
async def test_page_attributes_and_manual_next_page(mode: str) -> None:
    api = api_with(batches=3)
    async with harness(mode, api.handler) as h:
        pager = h.client.batches.list(limit=2)
        if isinstance(pager, AsyncPage):
            page = await pager
            assert page is pager
            second = await page.get_next_page()
        else:
            page = pager
            second = page.get_next_page()
        assert [b.id for b in page.data] == ["batch_002", "batch_001"]
        assert (page.has_more, page.first_id, page.last_id) == (True, "batch_002", "batch_001")
        assert page.has_next_page() is True
        assert [b.id for b in second.data] == ["batch_000"]
        assert second.has_next_page() is False
        with pytest.raises(LookupError):
            await h.call(second.get_next_page())


@pytest.mark.anyio
async def test_unloaded_async_page_says_how_to_load_it() -> None:
    api = api_with(batches=1)
    async with harness("async", api.handler) as h:
        pager = h.client.batches.list()
        assert isinstance(pager, AsyncPage)
        assert "not loaded" in repr(pager)
        with pytest.raises(RuntimeError, match="await"):
            _ = pager.data
        await pager
        assert repr(pager) == "AsyncPage(items=1, has_more=False)"


@pytest.mark.anyio
async def test_sync_pager_raises_list_errors_on_creation() -> None:
    def unauthorized(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"message": "bad key"}})

    async with harness("sync", unauthorized) as h:
        with pytest.raises(AuthenticationError, match="listBatches: HTTP 401"):
            h.client.batches.list()


def _generated_pages(total: int) -> Any:
    """A handler serving `total` batches, 100 a page, built on the fly (the fake holds none)."""

    def handler(request: httpx.Request) -> httpx.Response:
        after = request.url.params.get("after")
        start = int(after.removeprefix("batch_")) + 1 if after else 0
        ids = range(start, min(start + 100, total))
        data = [batch_json(f"batch_{i:06d}", metadata={"note": "x" * 200}) for i in ids]
        return httpx.Response(
            200,
            json={
                "object": "list",
                "data": data,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
                "has_more": start + 100 < total,
            },
        )

    return handler


@pytest.mark.anyio
async def test_memory_stays_bounded_by_one_page_however_many_items(mode: str) -> None:
    # Peak memory while walking 8,000 items must not grow with the count: compared with
    # walking 500 it may differ by noise, not by the 7,500 extra items (~10 MB if held).
    async def peak(total: int) -> int:
        async with harness(mode, _generated_pages(total)) as h:
            # httpx's responses form reference cycles (response <-> its stream), garbage that
            # waits for the cyclic collector and piles up for a varying number of pages: collect
            # it at each page, so the peak measures what the pager keeps, not when the GC ran.
            gc.collect()
            tracemalloc.start()
            try:
                pager = h.client.batches.list(limit=100)
                count = 0
                if isinstance(pager, AsyncPage):
                    async for _ in pager:
                        count += 1
                        if count % 100 == 0:
                            gc.collect()
                else:
                    for _ in pager:
                        count += 1
                        if count % 100 == 0:
                            gc.collect()
                assert count == total
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    small, large = await peak(500), await peak(8_000)
    assert large < small * 1.5 + 256_000, (small, large)
