"""Waking long-polls on change: one watcher per server process, shared by every station.

A station's feed call with ``wait`` sleeps here until the change counter moves past
its cursor. This process's own commits wake the waiters at once (the apply pipeline's
``ON_CHANGE``); commits of other server processes are seen by one poll of the counter
every ``interval`` for the whole process, instead of one per waiting station.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from server.apply.pipeline import ON_CHANGE
from server.services.feed import latest_rev


class ChangeWatch:
    def __init__(self, engine: Engine, interval: float = 0.1) -> None:
        self.engine = engine
        self.interval = interval
        self.rev = -1
        self._changed: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    async def wait_beyond(self, since: int, timeout: float) -> int:
        """The change counter once it is past ``since``, or when ``timeout`` runs out."""
        self._start()
        assert self._changed is not None
        deadline = time.monotonic() + timeout
        while self.rev <= since:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), left)
            except TimeoutError:
                break
        return self.rev

    async def refresh(self) -> None:
        self._publish(await run_in_threadpool(latest_rev, self.engine))

    def _publish(self, rev: int) -> None:
        if rev > self.rev:
            self.rev = rev
            changed, self._changed = self._changed, asyncio.Event()
            if changed is not None:
                changed.set()

    def _start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._loop = asyncio.get_running_loop()
        self._changed = self._changed or asyncio.Event()
        self._task = self._loop.create_task(self._poll())
        if self._poke not in ON_CHANGE:
            ON_CHANGE.append(self._poke)

    async def _poll(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception:  # noqa: BLE001 - a database hiccup: the next poll tries again
                pass
            await asyncio.sleep(self.interval)

    def _poke(self) -> None:
        """A batch committed in this process (called from its worker thread)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            asyncio.run_coroutine_threadsafe(self.refresh(), loop)

    def close(self) -> None:
        if self._poke in ON_CHANGE:
            ON_CHANGE.remove(self._poke)
        if self._task is not None:
            self._task.cancel()


def watch_for(state: Any, engine: Engine) -> ChangeWatch:
    """The process's watcher for ``engine`` (kept on the app's state)."""
    watch = getattr(state, "change_watch", None)
    if watch is None or watch.engine is not engine:
        watch = ChangeWatch(engine)
        state.change_watch = watch
    return watch  # type: ignore[no-any-return]
