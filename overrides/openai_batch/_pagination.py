"""Lazy cursor pagination over list endpoints: `SyncPage[T]` and `AsyncPage[T]`.

Both share one cursor rule (`PageData.next_cursor`): the next request passes
``after=<id of the last item>``; iteration stops when ``has_more`` is false or a page
comes back empty. Only the current page is held, so iterating 100,000 batches uses the
memory of one page.

When the first page is fetched:

- `SyncPage`: on creation, so ``client.batches.list()`` raises at once on a bad key;
- `AsyncPage`: on the first ``await`` or ``async for`` (a constructor cannot await).
  ``page = await client.batches.list()`` gives a loaded page; ``async for b in
  client.batches.list()`` fetches as it goes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from ._exceptions import APIResponseValidationError


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


ItemT = TypeVar("ItemT", bound=_HasId)


@dataclass(frozen=True, slots=True)
class PageData(Generic[ItemT]):
    """One page of a list response, normalised (`first_id`/`last_id` may be null or absent)."""

    operation: str
    data: list[ItemT]
    has_more: bool
    first_id: str | None
    last_id: str | None
    after: str | None  # the cursor this page was fetched with

    def next_cursor(self) -> str | None:
        """The `after` for the following page, or None when this is the last one."""
        if not self.has_more or not self.data:
            return None
        cursor = self.data[-1].id
        if cursor == self.after:
            # A server that repeats a page would otherwise make iteration loop forever.
            raise APIResponseValidationError(
                f"{self.operation}: has_more is true but the page ends at the cursor it was asked "
                f"to start after ({cursor!r}); stopping instead of looping",
                operation=self.operation,
                body=b"",
                status_code=200,
            )
        return cursor


def page_data(operation: str, response: Any, after: str | None) -> PageData[Any]:
    """Normalise a generated list response (`ListBatchesResponse`, `ListFilesResponse`)."""
    # Older specs had no has_more on the files list: absent means a single page.
    has_more = getattr(response, "has_more", False)
    first_id = getattr(response, "first_id", None)
    last_id = getattr(response, "last_id", None)
    return PageData(
        operation=operation,
        data=list(response.data),
        has_more=has_more is True,
        first_id=first_id if isinstance(first_id, str) else None,
        last_id=last_id if isinstance(last_id, str) else None,
        after=after,
    )


class _BasePage(Generic[ItemT]):
    # A class default, so repr() works on a page whose first fetch raised in __init__
    # (a traceback that shows locals calls repr on it).
    _page: PageData[ItemT] | None = None

    def _loaded(self) -> PageData[ItemT]:
        if self._page is None:
            raise RuntimeError("this AsyncPage is not loaded yet: `await` it or iterate it with `async for`")
        return self._page

    @property
    def data(self) -> list[ItemT]:
        """The items of this page only (iterate the page itself for every item across pages)."""
        return self._loaded().data

    @property
    def has_more(self) -> bool:
        return self._loaded().has_more

    @property
    def first_id(self) -> str | None:
        return self._loaded().first_id

    @property
    def last_id(self) -> str | None:
        return self._loaded().last_id

    def has_next_page(self) -> bool:
        return self._loaded().next_cursor() is not None

    def __repr__(self) -> str:
        if self._page is None:
            return f"{type(self).__name__}(<not loaded>)"
        return f"{type(self).__name__}(items={len(self._page.data)}, has_more={self._page.has_more})"


class SyncPage(_BasePage[ItemT]):
    """A page of results that iterates lazily over every item of every following page.

    >>> for batch in client.batches.list(limit=100):      # all batches, 100 per request
    ...     print(batch.id, batch.status)
    >>> for page in client.files.list(purpose="batch").iter_pages():
    ...     print(len(page.data), page.has_more)
    """

    def __init__(self, fetch: Callable[[str | None], PageData[ItemT]], after: str | None = None) -> None:
        self._fetch = fetch
        self._page = fetch(after)

    @classmethod
    def _from(cls, fetch: Callable[[str | None], PageData[ItemT]], page: PageData[ItemT]) -> SyncPage[ItemT]:
        instance = cls.__new__(cls)
        instance._fetch = fetch
        instance._page = page
        return instance

    def get_next_page(self) -> SyncPage[ItemT]:
        """Fetch the following page; raises `LookupError` when there is none."""
        cursor = self._loaded().next_cursor()
        if cursor is None:
            raise LookupError("no next page: has_more is false or the page is empty")
        return SyncPage._from(self._fetch, self._fetch(cursor))

    def iter_pages(self) -> Iterator[SyncPage[ItemT]]:
        """This page, then each following page, fetched one at a time."""
        page = self
        while True:
            yield page
            if page._loaded().next_cursor() is None:
                return
            page = page.get_next_page()

    def __iter__(self) -> Iterator[ItemT]:
        for page in self.iter_pages():
            yield from page.data


class AsyncPage(_BasePage[ItemT]):
    """The async twin of `SyncPage`: awaitable (loads the first page) and async-iterable.

    >>> async for batch in client.batches.list(limit=100):
    ...     print(batch.id)
    >>> page = await client.batches.list()     # first page loaded
    >>> page.data, page.has_more
    """

    def __init__(self, fetch: Callable[[str | None], Awaitable[PageData[ItemT]]], after: str | None = None) -> None:
        self._fetch = fetch
        self._after = after
        self._page = None

    async def _load(self) -> AsyncPage[ItemT]:
        if self._page is None:
            self._page = await self._fetch(self._after)
        return self

    def __await__(self) -> Generator[Any, None, AsyncPage[ItemT]]:
        return self._load().__await__()

    async def get_next_page(self) -> AsyncPage[ItemT]:
        await self._load()
        cursor = self._loaded().next_cursor()
        if cursor is None:
            raise LookupError("no next page: has_more is false or the page is empty")
        return await AsyncPage(self._fetch, cursor)

    async def iter_pages(self) -> AsyncIterator[AsyncPage[ItemT]]:
        """This page (loaded if needed), then each following page, fetched one at a time."""
        page = await self._load()
        while True:
            yield page
            if page._loaded().next_cursor() is None:
                return
            page = await page.get_next_page()

    async def _items(self) -> AsyncIterator[ItemT]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item

    def __aiter__(self) -> AsyncIterator[ItemT]:
        return self._items()
