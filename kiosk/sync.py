"""Talking to the server in the background: push the outbox, follow the change feed.

Two loops share one ``httpx.AsyncClient``:

- push: send pending events in ``seq`` order, in batches, store the answers;
  wakes at once when the station records something, backs off when the
  server is unreachable;
- feed: long-poll ``GET /stations/{id}/feed?since=CURSOR&wait=S`` without a
  pause between calls, so a new hold reaches the station within about a second.

Neither loop ever raises: every failure becomes ``LinkState`` (online or
offline since when, last error) that the screen shows.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

import httpx
from pydantic import ValidationError

from core.reference import Feed
from kiosk.cache import StationCache
from kiosk.config import KioskConfig
from kiosk.outbox import Answer, Outbox

log = logging.getLogger(__name__)

#: How long a batch may take to be answered. The server applies the stations' events one
#: at a time, so under load a batch waits behind others': it answers late, not never (a
#: dead server refuses or resets the connection at once). Sending the batch again before
#: the answer would only queue the same events behind themselves.
PUSH_READ_TIMEOUT = 120.0


@dataclass(frozen=True, slots=True)
class LinkState:
    """The connection as the station sees it. ``online`` is None until the first answer."""

    online: bool | None = None
    since: datetime | None = None
    last_error: str | None = None
    last_contact: datetime | None = None


class SyncHooks(Protocol):
    def answered(self, answers: list[Answer]) -> None: ...

    def feed_merged(self, page: Feed) -> None: ...

    def link_changed(self, link: LinkState) -> None: ...


class Backoff:
    """Capped exponential delays with a little jitter (many stations reconnecting at once)."""

    def __init__(self, initial: float = 0.5, maximum: float = 30.0) -> None:
        self.initial, self.maximum, self.attempts = initial, maximum, 0

    def next(self) -> float:
        delay = min(self.maximum, self.initial * 2**self.attempts)
        self.attempts += 1
        return delay * (1 + 0.1 * random.random())

    def reset(self) -> None:
        self.attempts = 0


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:160]


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
        detail = body.get("detail") if isinstance(body, dict) else None
    except ValueError:
        detail = None
    return str(detail or response.reason_phrase or response.status_code)[:200]


class SyncClient:
    def __init__(
        self,
        config: KioskConfig,
        outbox: Outbox,
        cache: StationCache,
        hooks: SyncHooks,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.outbox = outbox
        self.cache = cache
        self.hooks = hooks
        self.transport = transport
        self.link = LinkState()
        self._wake = asyncio.Event()
        self._client: httpx.AsyncClient | None = None

    # --- control ---------------------------------------------------------------------

    def kick(self) -> None:
        """Something was recorded: push now."""
        self._wake.set()

    async def run(self) -> None:
        """Run both loops until cancelled."""
        headers = {"User-Agent": f"lineside-kiosk/{self.config.station_id}"}
        token = self.config.resolved_token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        async with httpx.AsyncClient(
            base_url=self.config.base_url, headers=headers, timeout=10.0, transport=self.transport
        ) as client:
            self._client = client
            try:
                await asyncio.gather(self.push_loop(client), self.feed_loop(client))
            finally:
                self._client = None

    # --- link state ------------------------------------------------------------------

    def _set_link(self, online: bool, error: str | None = None) -> None:
        now = self.config.clock()
        old = self.link
        since = old.since if old.online is online else now
        contact = now if online else old.last_contact
        new = replace(
            old,
            online=online,
            since=since,
            last_error=error if not online else None,
            last_contact=contact,
        )
        if new != old:
            self.link = new
            if old.online is not online or old.last_error != new.last_error:
                try:
                    self.hooks.link_changed(new)
                except Exception:  # a screen problem must not stop syncing
                    log.exception("link_changed hook failed")

    def _refused(self, response: httpx.Response) -> str:
        detail = _detail(response)
        if response.status_code in (401, 403):
            return f"the server refused this station ({response.status_code}): {detail}"
        return f"server error {response.status_code}: {detail}"

    async def _pause(self, seconds: float, wake_on_kick: bool = False) -> None:
        if not wake_on_kick:
            await asyncio.sleep(seconds)
            return
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass

    # --- push ------------------------------------------------------------------------

    async def push_once(self, client: httpx.AsyncClient) -> bool | None:
        """Send one batch. True: sent; None: nothing to send; False: failed."""
        batch = self.outbox.pending(self.config.push_batch)
        if not batch:
            return None
        try:
            response = await client.post(
                "/api/v1/events",
                json={"events": [e.body for e in batch]},
                timeout=httpx.Timeout(10.0, read=PUSH_READ_TIMEOUT),
            )
        except httpx.HTTPError as exc:
            self._set_link(False, f"cannot reach the server: {_short(exc)}")
            return False
        if response.status_code != 200:
            self._set_link(False, self._refused(response))
            return False
        try:
            results: list[dict[str, Any]] = response.json()["results"]
        except (ValueError, KeyError, TypeError):
            self._set_link(False, "the server sent an answer this station cannot read")
            return False
        answers = [
            Answer(
                id=str(r["id"]),
                status=str(r.get("original_status") or r["status"])
                if r["status"] == "duplicate"
                else str(r["status"]),
                reason=r.get("reason"),
                outcome=r.get("outcome") or None,
            )
            for r in results
        ]
        self._set_link(True)
        self.hooks.answered(answers)
        return True

    async def push_loop(self, client: httpx.AsyncClient) -> None:
        backoff = Backoff()
        while True:
            self._wake.clear()
            try:
                sent = await self.push_once(client)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # never let the loop die
                log.exception("push failed")
                self._set_link(False, f"push failed: {_short(exc)}")
                sent = False
            if sent is True:
                backoff.reset()
                continue
            if sent is None:
                await self._pause(5.0, wake_on_kick=True)
            else:
                await self._pause(backoff.next())

    async def drain(self, timeout: float) -> bool:
        """Wait until the outbox is empty (True) or ``timeout`` seconds pass (False)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.outbox.pending_count():
            if loop.time() >= deadline:
                return False
            self.kick()
            await asyncio.sleep(0.05)
        return True

    # --- feed ------------------------------------------------------------------------

    async def feed_once(self, client: httpx.AsyncClient) -> Feed | None:
        wait = self.config.feed_wait_s if self.cache.ready else 0.0
        try:
            response = await client.get(
                f"/api/v1/stations/{self.config.station_id}/feed",
                params={"since": self.cache.cursor, "wait": wait},
                timeout=httpx.Timeout(10.0, read=wait + 15.0),
            )
        except httpx.HTTPError as exc:
            self._set_link(False, f"cannot reach the server: {_short(exc)}")
            return None
        if response.status_code != 200:
            self._set_link(False, self._refused(response))
            return None
        try:
            page = Feed.model_validate_json(response.content)
        except ValidationError as exc:
            self._set_link(False, f"unreadable feed page: {_short(exc)}")
            return None
        await asyncio.to_thread(self.cache.persist, page)
        self.cache.merge(page)
        self._set_link(True)
        self.hooks.feed_merged(page)
        return page

    async def feed_loop(self, client: httpx.AsyncClient) -> None:
        backoff = Backoff()
        while True:
            try:
                page = await self.feed_once(client)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("feed failed")
                self._set_link(False, f"feed failed: {_short(exc)}")
                page = None
            if page is None:
                await self._pause(backoff.next())
            else:
                backoff.reset()
