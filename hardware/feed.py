"""A bounded, never-blocking async channel from a device loop to its consumer.

The device side calls ``emit()`` (sync, never waits); the kiosk side does
``async for item in feed``. If the consumer stalls, the oldest items are
dropped and counted rather than the device loop blocking.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Feed(Generic[T]):
    def __init__(self, maxlen: int = 1000, on_item: Callable[[T], None] | None = None) -> None:
        self._items: deque[T] = deque()
        self._maxlen = maxlen
        self._ready = asyncio.Event()
        self._closed = False
        self._on_item = on_item
        self.dropped = 0

    def emit(self, item: T) -> None:
        """Hand ``item`` to the consumer (and the optional callback)."""
        if self._on_item is not None:
            try:
                self._on_item(item)
            except Exception:
                log.exception("feed callback failed")
        if len(self._items) >= self._maxlen:
            self._items.popleft()
            self.dropped += 1
            log.warning("feed full: dropped oldest item (%d dropped so far)", self.dropped)
        self._items.append(item)
        self._ready.set()

    def close(self) -> None:
        """End iteration once the queued items are consumed."""
        self._closed = True
        self._ready.set()

    def drain(self) -> list[T]:
        """Take everything queued now, without waiting."""
        items = list(self._items)
        self._items.clear()
        return items

    async def get(self) -> T:
        while not self._items:
            if self._closed:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()

    def __aiter__(self) -> Feed[T]:
        return self

    async def __anext__(self) -> T:
        return await self.get()
