from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from core.events.base import Text
from server.api.deps import AdminDep, CurrentStation, EngineDep, SessionDep
from server.apply.pipeline import ingest_batch
from server.models import EventLog
from server.schemas import EventBatch, EventBatchResult, RejectedEventOut

router = APIRouter(prefix="/api/v1", tags=["events"])


@router.post("/events", response_model=EventBatchResult)
def post_events(batch: EventBatch, station_id: CurrentStation, engine: EngineDep) -> Response:
    """Apply a batch of events in order, idempotent by id; one answer per event.

    The answer is written straight to JSON (its shape is ``EventBatchResult``):
    a batch of hundreds of answers is the server's busiest response."""
    results = ingest_batch(engine, batch.events, station_id)
    body = {
        "results": [
            {"id": r.id, "status": r.status, "reason": r.reason, "outcome": r.outcome,
             "original_status": r.original_status}
            for r in results
        ],
        "applied": sum(r.status == "applied" for r in results),
        "duplicate": sum(r.status == "duplicate" for r in results),
        "rejected": sum(r.status == "rejected" for r in results),
    }  # fmt: skip
    # The station reconnects for its next batch, so with several server processes each
    # batch goes to whichever is free (a kept-alive connection would pin it to one).
    return Response(
        json.dumps(body, separators=(",", ":")),
        media_type="application/json",
        headers={"Connection": "close"},
    )


@router.get("/events/rejected", response_model=list[RejectedEventOut])
def rejected_events(
    _admin: AdminDep,
    session: SessionDep,
    station: Text | None = Query(None, max_length=40),
    limit: int = Query(100, ge=1, le=1000),
) -> list[RejectedEventOut]:
    """Events the server refused, newest first, with the reason: shown to supervisors."""
    stmt = select(EventLog).where(EventLog.status == "rejected")
    if station:
        stmt = stmt.where(EventLog.station_id == station)
    rows = session.execute(stmt.order_by(EventLog.id.desc()).limit(limit)).scalars()
    return [
        RejectedEventOut(
            event_id=r.event_id,
            type=r.type,
            station_id=r.station_id,
            seq=r.seq,
            received_at=r.received_at,
            reason=r.reason,
            payload=_shown(r.payload),
        )
        for r in rows
    ]


def _shown(stored: str) -> Any:
    """A kept payload as JSON can carry it: a lone surrogate sent by a terminal (kept escaped
    in the table) is shown as its escape, since no JSON answer can hold it."""
    return _escaped(json.loads(stored))


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {_escaped(k): _escaped(v) for k, v in value.items()}
    return value
