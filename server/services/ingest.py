"""Taking in a batch of events from a station: idempotent, one transaction each."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core import events as ev
from server import ledger
from server.models import EventLog
from server.services.apply import Rejected, apply_event

Status = Literal["applied", "duplicate", "rejected"]
SERVER_STATION = "SERVER"  # the station id of facts the server itself records


@dataclass(slots=True)
class EventResult:
    id: str
    status: Status
    reason: str | None = None
    outcome: dict[str, Any] = field(default_factory=dict)
    original_status: str | None = None  # for duplicates: what happened the first time


def _raw_id(raw: Any) -> str | None:
    if isinstance(raw, dict):
        value = raw.get("id")
        try:
            return str(uuid.UUID(str(value)))
        except (ValueError, TypeError, AttributeError):
            return None
    return None


def _existing(session: Session, event_id: str) -> EventLog | None:
    return session.execute(select(EventLog).where(EventLog.event_id == event_id)).scalar_one_or_none()


def _duplicate(row: EventLog) -> EventResult:
    return EventResult(
        id=row.event_id,
        status="duplicate",
        reason=row.reason,
        outcome=json.loads(row.outcome) if row.outcome else {},
        original_status=row.status,
    )


def _log_row(
    event: ev.Event | None,
    raw: Any,
    event_id: str,
    status: str,
    reason: str | None,
    outcome: dict[str, Any] | None,
    station_id: str,
) -> EventLog:
    if event is not None:
        return EventLog(
            event_id=event_id,
            type=event.type,
            station_id=event.station_id,
            operator_id=event.operator_id,
            occurred_at=event.occurred_at,
            seq=event.seq,
            payload=ledger.canonical_json(event.payload),
            received_at=datetime.now(UTC),
            status=status,
            reason=reason,
            outcome=ledger.canonical_json(outcome) if outcome is not None else None,
            prev_hash="",
            hash="",
        )
    # A malformed envelope is kept whole so a supervisor can see what was sent.
    raw_type = raw.get("type") if isinstance(raw, dict) else None
    raw_seq = raw.get("seq") if isinstance(raw, dict) else None
    return EventLog(
        event_id=event_id,
        type=str(raw_type)[:60] if raw_type else "malformed",
        station_id=station_id,
        operator_id=None,
        occurred_at=None,
        seq=raw_seq if isinstance(raw_seq, int) and not isinstance(raw_seq, bool) else None,
        payload=ledger.canonical_json(raw),
        received_at=datetime.now(UTC),
        status=status,
        reason=reason,
        outcome=None,
        prev_hash="",
        hash="",
    )


def ingest_one(
    engine: Engine, raw: Any, station_id: str, session: Session | None = None, *, flush_wal: bool = True
) -> EventResult:
    """Apply one raw event posted by ``station_id``; never raises for bad input.

    With ``session`` the event's transaction runs on that session (a batch
    reuses one connection); otherwise a session is opened for it. With
    ``flush_wal=False`` (PostgreSQL) the commit does not wait for the WAL flush;
    a batch flushes with its last event, before any answer is sent."""
    event_id = _raw_id(raw)
    event: ev.Event | None = None
    problem: str | None = None
    payload: ev.Payload | None = None
    try:
        event = ev.Event.model_validate(raw)
        payload = event.typed_payload()
    except ev.EventError as exc:
        problem = str(exc)
    except ValidationError as exc:
        problem = f"malformed event: {_short(exc)}"
        event = None
    if event is not None and problem is None and event.station_id != station_id:
        problem = f"station {station_id} may not post events as station {event.station_id}"
    if event is not None and problem is None and event.type in ev.SERVER_ONLY and station_id != SERVER_STATION:
        problem = f"{event.type} is recorded by the server only"
    if event_id is None:
        event_id = str(uuid.uuid4())  # kept under a server id so it is never lost
        problem = problem or "event id is not a UUID"
    for _attempt in range(3):
        try:
            if session is not None:
                return _ingest_tx(session, raw, event, payload, event_id, problem, station_id, flush_wal)
            with Session(engine) as own:
                return _ingest_tx(own, raw, event, payload, event_id, problem, station_id, flush_wal)
        except IntegrityError:
            if session is not None:
                session.rollback()
            # Two posts of the same event raced; the loser reports the winner's result.
            with Session(engine) as session:
                row = _existing(session, event_id)
                if row is not None:
                    return _duplicate(row)
    raise RuntimeError(f"event {event_id} could not be stored")


def _short(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'event'}: {e['msg']}" for e in errors()
        )
    return str(exc)


def _ingest_tx(
    session: Session,
    raw: Any,
    event: ev.Event | None,
    payload: ev.Payload | None,
    event_id: str,
    problem: str | None,
    station_id: str,
    flush_wal: bool = True,
) -> EventResult:
    def begin() -> Any:
        return ledger.lock_head(session, defer_wal_flush=not flush_wal)

    head = begin()
    row = _existing(session, event_id)
    if row is not None:
        session.rollback()
        return _duplicate(row)
    if problem is None and event is not None and payload is not None:
        try:
            outcome = apply_event(session, event, payload)
        except Rejected as exc:
            # Undo whatever the handler changed, then record the refusal in a fresh transaction.
            problem = exc.reason
            session.info.pop("derived", None)
            session.rollback()
            head = begin()
        else:
            ledger.append(session, head, _log_row(event, raw, event_id, "applied", None, outcome, station_id))
            # Reactions the event set off are chained right after it, with their cause.
            for derived, derived_outcome in session.info.pop("derived", []):
                ledger.append(
                    session, head,
                    _log_row(derived, derived.model_dump(mode="json"), str(derived.id), "applied", None,
                             derived_outcome, derived.station_id),
                )
            session.commit()
            return EventResult(id=event_id, status="applied", outcome=outcome)
    assert problem is not None
    ledger.append(session, head, _log_row(event, raw, event_id, "rejected", problem, None, station_id))
    session.commit()
    return EventResult(id=event_id, status="rejected", reason=problem)


def ingest_batch(engine: Engine, raws: list[Any], station_id: str) -> list[EventResult]:
    """Apply a batch in order on one connection, one transaction per event.

    On PostgreSQL the per-event commits do not wait for the write-ahead log to
    reach the disk; one synchronous commit at the end flushes the (sequential)
    log past all of them, and the batch is answered only after it."""
    with Session(engine) as session:
        results = [ingest_one(engine, raw, station_id, session, flush_wal=False) for raw in raws]
        if session.get_bind().dialect.name == "postgresql" and results:
            # A synchronous commit flushes the log up to here, covering every commit above.
            session.execute(text("UPDATE ledger_head SET count = count WHERE id = 1"))
            session.commit()
        return results


# SPC registers its handlers (limits frozen, signal acknowledged) on import.
from server.services import spc as _spc  # noqa: E402,F401
