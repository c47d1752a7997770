"""Long-polls share one watcher per server process: a commit here wakes every waiter at once,
and the counter is read once per interval for all of them, not once per station."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy.engine import Engine

from server.quality import actions as qe
from server.services import changes
from server.services.feed import latest_rev


async def test_a_commit_wakes_every_waiting_station_at_once(engine: Engine) -> None:
    watch = changes.ChangeWatch(
        engine, interval=30
    )  # no help from polling: only the commit wakes them
    try:
        await watch.refresh()
        start = watch.rev
        waiters = [asyncio.create_task(watch.wait_beyond(start, 20)) for _ in range(8)]
        watch._start()
        await asyncio.sleep(0.05)
        began = time.monotonic()
        await asyncio.to_thread(  # a hold: a change every station's feed carries
            qe.place_hold,
            engine,
            target_type="lot",
            target="LOT-BAR-261101",
            reason="supplier alert",
            badge="EMP1010",
        )
        revs = await asyncio.wait_for(asyncio.gather(*waiters), 10)
        assert time.monotonic() - began < 5  # woken by the commit, not by the 30 s poll
        assert all(r > start for r in revs) and len(set(revs)) == 1
        assert revs[0] == latest_rev(engine)
    finally:
        watch.close()


async def test_a_wait_with_nothing_new_ends_at_its_timeout(engine: Engine) -> None:
    watch = changes.ChangeWatch(engine, interval=0.05)
    try:
        await watch.refresh()
        began = time.monotonic()
        rev = await watch.wait_beyond(watch.rev, 0.3)
        assert rev == latest_rev(engine) and 0.25 <= time.monotonic() - began < 3
    finally:
        watch.close()


def test_the_watcher_is_one_per_process_and_engine(engine: Engine) -> None:
    class State:
        pass

    state = State()
    assert changes.watch_for(state, engine) is changes.watch_for(state, engine)
