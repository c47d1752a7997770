from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from starlette.concurrency import run_in_threadpool

from core.events.base import MAX_INT, Text
from core.reference import Feed
from server.api.deps import CallerDep, EngineDep, SettingsDep
from server.services.changes import watch_for
from server.services.feed import station_feed

router = APIRouter(prefix="/api/v1", tags=["feed"])


@router.get("/stations/{station_id}/feed", response_model=Feed)
async def get_feed(
    request: Request,
    station_id: Annotated[Text, Path(max_length=40)],
    caller: CallerDep,
    engine: EngineDep,
    settings: SettingsDep,
    since: int = Query(
        0, ge=0, le=MAX_INT, description="cursor from the previous page; 0 for everything"
    ),
    wait: float = Query(0, ge=0, le=60, description="seconds to wait for a change (long poll)"),
    limit: int | None = Query(None, ge=1, le=10000),
) -> Feed:
    """What the station needs to work offline, changed after ``since``.

    With ``wait`` the call returns as soon as anything changes (holds reach
    every station within a fraction of a second) or when ``wait`` runs out.
    """
    if not caller.may_read_station(station_id):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"station {caller.station_id} may not read the feed of {station_id}",
        )
    page_size = limit or settings.feed_page_size
    if not wait:
        return await run_in_threadpool(station_feed, engine, station_id, since, page_size)
    watch = watch_for(request.app.state, engine)
    deadline = time.monotonic() + wait
    while True:
        rev = await watch.wait_beyond(since, deadline - time.monotonic())
        page = await run_in_threadpool(station_feed, engine, station_id, since, page_size)
        if rev <= since or _has_content(page) or time.monotonic() >= deadline:
            return page
        since = page.cursor  # changes for other stations only: keep waiting from here


def _has_content(page: Feed) -> bool:
    return bool(
        page.station
        or page.routings
        or page.work_orders
        or page.lots
        or page.holds
        or page.operators
        or page.defect_codes
        or page.spc_signals
        or page.spc_limits
        or page.more
    )
