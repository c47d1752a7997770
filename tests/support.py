"""Builders shared by tests: events as a terminal would write them."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from core import events as ev

_seq: dict[str, itertools.count[int]] = {}


def event(
    payload: ev.Payload, station: str = "L1-TURN", operator: str | None = "EMP1001", **kw: Any
) -> dict[str, Any]:
    counter = _seq.setdefault(station, itertools.count(1))
    e = ev.make_event(
        payload, station_id=station, seq=kw.pop("seq", next(counter)), operator_id=operator, **kw
    )
    return e.model_dump(mode="json")


def job_id() -> uuid.UUID:
    return uuid.uuid4()


def now() -> datetime:
    return datetime.now(UTC)


# --- posting as a station does: the operator badges in before working -------------------

_logged_in: dict[tuple[str, str], str | None] = {}


def _login_event(station: str, badge: str) -> dict[str, Any]:
    return event(ev.OperatorLoggedIn(badge=badge), station=station, operator=badge)


def with_logins(engine: Any, raws: list[Any], station: str) -> tuple[list[Any], list[int]]:
    """``raws`` with an ``OperatorLoggedIn`` before each event whose operator is not the one
    logged in at ``station`` (as the badge scan at the kiosk does); and where the originals
    ended up."""
    key = (str(getattr(engine, "url", engine)), station)
    out: list[Any] = []
    where: list[int] = []
    current = _logged_in.get(key)
    for raw in raws:
        badge = raw.get("operator_id") if isinstance(raw, dict) else None
        typ = raw.get("type") if isinstance(raw, dict) else None
        if typ == "OperatorLoggedIn":
            current = raw.get("payload", {}).get("badge")
        elif typ == "OperatorLoggedOut":
            current = None
        elif typ == "PersonPresent":
            pass  # badged in for a moment beside the logged-in operator
        elif badge and badge != current and station != "SERVER" and isinstance(raw.get("seq"), int):
            out.append(_login_event(station, badge))
            current = badge
        where.append(len(out))
        out.append(raw)
    _logged_in[key] = current
    return out, where


def ingest_batch(engine: Any, raws: list[Any], station: Any) -> list[Any]:
    """``server.apply.pipeline.ingest_batch`` for a station whose operators badge in first."""
    from server.apply import pipeline

    if not isinstance(station, str) or station == "SERVER":
        return pipeline.ingest_batch(engine, raws, station)
    posted, where = with_logins(engine, raws, station)
    results = pipeline.ingest_batch(engine, posted, station)
    return [results[i] for i in where]


def ingest_one(engine: Any, raw: Any, station: Any) -> Any:
    return ingest_batch(engine, [raw], station)[0]


def badge_in(station: str, badge: str) -> dict[str, Any]:
    """The login event a station records when ``badge`` is scanned there."""
    return _login_event(station, badge)


# --- work in process: a lot brought through the first operations of its routing ---------


def through(
    engine: Any,
    work_order: str,
    before: int,
    *,
    lot: str | None = None,
    qty: float | None = None,
    operator: str = "EMP1001",
    at: datetime | None = None,
) -> str | None:
    """Run every operation of ``work_order``'s routing before op ``before`` on one new lot, at
    the operation's first station, as the floor would; the lot's id (``lot`` or a fresh one),
    or None when op ``before`` starts the routing (it makes its lot from material).

    What a test needs before it starts a later operation: the lot that has been through the
    earlier ones (a later operation refuses to start without it)."""
    from sqlalchemy import select
    from sqlmodel import Session

    from server import models as m

    with Session(engine) as session:
        wo = session.get(m.WorkOrder, work_order)
        assert wo is not None, work_order
        ops = list(
            session.execute(
                select(m.Operation)
                .where(m.Operation.product == wo.product)
                .order_by(m.Operation.seq)
            ).scalars()
        )
        good = wo.qty if qty is None else qty
    lot_id = lot or f"WIP-{uuid.uuid4().hex[:8].upper()}"
    current: str | None = None
    for op in ops:
        if op.seq >= before:
            break
        station = op.stations[0]
        job = uuid.uuid4()
        kw = {"occurred_at": at} if at is not None else {}
        started = event(
            ev.JobStarted(
                job_id=job, work_order=work_order, operation=op.seq, output_lot=lot_id, lot=current
            ),
            station=station,
            operator=operator,
            **kw,
        )
        done = event(
            ev.JobCompleted(job_id=job, output_lot=lot_id, good_qty=good),
            station=station,
            operator=operator,
            **kw,
        )
        results = ingest_batch(engine, [started, done], station)
        assert all(r.status == "applied" for r in results), [r.reason for r in results]
        current = lot_id
    return current


def finish(
    engine: Any,
    lot: str,
    *,
    qty: float | None = None,
    operator: str = "EMP1001",
    at: datetime | None = None,
) -> str:
    """Run every required operation a work-in-process ``lot`` has still to do, in routing
    order, at each operation's first station, keeping the lot's id; the lot's id.

    What a test needs before it ships, serialises or consumes a made lot whose first
    operations it ran itself (a half-made lot cannot leave its routing)."""
    from sqlalchemy import select
    from sqlmodel import Session

    from server import models as m

    with Session(engine) as session:
        row = session.get(m.Lot, lot)
        assert row is not None and row.work_order is not None, lot
        work_order, done = row.work_order, set(row.ops_done or [])
        good = row.qty if qty is None else qty
        ops = list(
            session.execute(
                select(m.Operation).where(m.Operation.product == row.part).order_by(m.Operation.seq)
            ).scalars()
        )
    for op in ops:
        if op.seq in done or op.optional:
            continue
        station = op.stations[0]
        job = uuid.uuid4()
        kw = {"occurred_at": at} if at is not None else {}
        payloads: list[ev.Payload] = [
            ev.JobStarted(
                job_id=job, work_order=work_order, operation=op.seq, output_lot=lot, lot=lot
            ),
            ev.JobCompleted(job_id=job, output_lot=lot, good_qty=good),
        ]
        raws = [event(p, station=station, operator=operator, **kw) for p in payloads]
        results = ingest_batch(engine, raws, station)
        assert all(r.status == "applied" for r in results), [r.reason for r in results]
    return lot
