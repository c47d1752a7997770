"""Taking in a batch of events: checked first, applied in one transaction, chained, answered.

``ingest_batch`` is the one way events enter the server (stations, people,
the server's own actions). Each raw event is validated before the database
is touched (schema, sizes, text, times, who may send it). The batch is then
applied in order in one transaction, with the sender's hash chain locked
once; duplicates are answered from what was stored the first time.

A batch is applied without savepoints. If any event is refused, or anything
unexpected goes wrong, the transaction is rolled back and the batch runs
again with each event in a savepoint of its own: a refused event then leaves
nothing behind, and an event that breaks is stored as rejected with a reason
while the rest of the batch goes through. Every event gets an answer; none
can jam a station's outbox.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from core import events as ev
from core.outcomes import Outcome, parse_outcome
from server import ledger
from server.apply import authority
from server.apply.context import SERVER_STATION, ApplyContext, Batch, Rejected, Sender
from server.apply.registry import dispatch, prefetch
from server.db import one_of
from server.models import EventLog, PlantMeta
from server.services.revs import take_block

log = logging.getLogger(__name__)

Status = Literal["applied", "duplicate", "rejected"]
FUTURE_SLACK = timedelta(minutes=10)  # terminal clocks drift; more than this is a wrong clock
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # no plant kept records before this

#: Called after a batch that changed what stations see has committed (wakes long polls).
ON_CHANGE: list[Callable[[], None]] = []


@dataclass(slots=True)
class EventResult:
    id: str
    status: Status
    reason: str | None = None
    outcome: dict[str, Any] = field(default_factory=dict)
    original_status: str | None = None  # for duplicates: what happened the first time

    @property
    def typed(self) -> Outcome:
        return parse_outcome(self.outcome)


@dataclass(slots=True)
class _Item:
    raw: Any
    event_id: str
    event: ev.Event | None
    payload: ev.Payload | None
    problem: str | None
    key: str = ""  # what the event says, to tell a replay from a re-used id
    payload_json: str = ""


def _raw_id(raw: Any) -> str | None:
    if isinstance(raw, dict):
        try:
            return str(uuid.UUID(str(raw.get("id"))))
        except (ValueError, TypeError, AttributeError):
            return None
    return None


def _identity(
    type_: str, station: str, operator: str | None, at: Any, seq: Any, payload: str
) -> str:
    """What an event says, to tell a replay (same) from a re-used id (different)."""
    return "\x1f".join((type_, station, operator or "", ledger.ts(at) or "", str(seq), payload))


def _stored_identity(row: Any) -> str:
    return _identity(
        row.type, row.station_id, row.operator_id, row.occurred_at, row.seq, row.payload
    )


def _prepare(raw: Any, sender: Sender, now: datetime, earliest: datetime) -> _Item:
    """Everything that can be checked without the database."""
    event_id = _raw_id(raw)
    event: ev.Event | None = None
    payload: ev.Payload | None = None
    problem: str | None = None
    try:
        event = ev.Event.model_validate(raw)
        payload = event.typed_payload()
    except ev.EventError as exc:
        problem = str(exc)
    except ValidationError as exc:
        problem = f"malformed event: {ev.describe(exc)}"
        event = None
    except Exception as exc:  # noqa: BLE001 - any input, however odd, gets an answer
        problem = f"malformed event: {type(exc).__name__}"
        event = None
    if event is not None and problem is None:
        problem = authority.static_problem(sender, event)
    if event is not None and problem is None:
        if event.occurred_at > now + FUTURE_SLACK:
            problem = (
                f"event time {event.occurred_at.isoformat()} lies in the future: check the "
                "terminal clock"
            )
        elif event.occurred_at < earliest:
            problem = (
                f"event time {event.occurred_at.isoformat()} is before the plant's records begin "
                f"({earliest.date().isoformat()}): check the terminal clock"
            )
    if event_id is None:
        event_id = str(uuid.uuid4())  # kept under a server id so it is never lost
        problem = problem or "event id is not a UUID"
    item = _Item(raw, event_id, event, payload, problem)
    if event is not None:
        item.payload_json = ledger.canonical_json(event.payload)
        item.key = _identity(
            event.type, event.station_id, event.operator_id, event.occurred_at, event.seq,
            item.payload_json,
        )  # fmt: skip
    return item


def _row(
    item: _Item | None,
    event: ev.Event | None,
    status: str,
    reason: str | None,
    outcome: Outcome | None,
    sender: Sender,
    received_at: datetime,
    event_id: str | None = None,
) -> dict[str, Any]:
    if event is not None:
        if item is not None and item.payload_json:
            payload_json = item.payload_json
        else:
            payload_json = ledger.canonical_json(event.payload)
        return {
            "event_id": event_id or str(event.id),
            "type": event.type,
            "station_id": event.station_id,
            "operator_id": event.operator_id,
            "occurred_at": event.occurred_at,
            "seq": event.seq,
            "payload": payload_json,
            "received_at": received_at,
            "status": status,
            "reason": reason,
            "outcome": outcome.stored() if outcome is not None else None,
        }
    # A malformed envelope is kept whole so a supervisor can see what was sent.
    raw = item.raw if item is not None else None
    raw_type = raw.get("type") if isinstance(raw, dict) else None
    raw_seq = raw.get("seq") if isinstance(raw, dict) else None
    seq_ok = (
        isinstance(raw_seq, int) and not isinstance(raw_seq, bool) and 0 < raw_seq <= ev.MAX_INT
    )
    return {
        "event_id": event_id or (item.event_id if item else str(uuid.uuid4())),
        "type": _storable(str(raw_type))[:60] if raw_type else "malformed",
        "station_id": sender.station_id,
        "operator_id": None,
        "occurred_at": None,
        "seq": raw_seq if seq_ok else None,
        "payload": _safe_json(raw),
        "received_at": received_at,
        "status": status,
        "reason": reason,
        "outcome": None,
    }


def _safe_json(raw: Any) -> str:
    """The raw body as storable text: ASCII JSON, so NUL and lone surrogates stay escaped."""
    try:
        return json.dumps(
            raw, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str
        )
    except (TypeError, ValueError):
        return json.dumps(repr(raw)[:10000])


def _storable(value: str) -> str:
    return value.encode("ascii", "backslashreplace").decode("ascii").replace("\x00", "\\x00")


def _earliest(session: Session) -> datetime:
    row = session.get(PlantMeta, "opened")
    if row is None:
        return EARLIEST
    try:
        return max(EARLIEST, datetime.fromisoformat(row.value).replace(tzinfo=UTC))
    except ValueError:
        return EARLIEST


class _Refused(Exception):
    """An event was refused in a batch applied without savepoints: run it again with them."""


def ingest_batch(engine: Engine, raws: list[Any], sender: Sender | str) -> list[EventResult]:
    """Apply a batch in order; one answer per raw event, in the same order."""
    if isinstance(sender, str):
        sender = Sender.server() if sender == SERVER_STATION else Sender.station(sender)
    safe = False
    for attempt in range(6):
        try:
            return _run(engine, raws, sender, safe=safe)
        except _Refused:
            safe = True
        except DBAPIError as exc:
            if _retryable(exc) and attempt < 5:
                continue  # a deadlock or serialization failure: the batch runs again
            if safe:
                raise
            log.warning("batch from %s failed (%s); applying it event by event", sender.chain, exc)
            safe = True
        except Exception:
            if safe:
                raise
            log.exception("batch from %s failed; applying it event by event", sender.chain)
            safe = True
    raise RuntimeError(f"a batch from {sender.chain} could not be applied")


def _retryable(exc: DBAPIError) -> bool:
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in ("40001", "40P01") or (
        isinstance(exc, IntegrityError) and "ledger_head" in str(exc)
    )


def _run(engine: Engine, raws: list[Any], sender: Sender, *, safe: bool) -> list[EventResult]:
    received_at = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        head = ledger.lock_chain(session, sender.chain)
        earliest = _earliest(session)
        items = [_prepare(raw, sender, received_at, earliest) for raw in raws]
        existing = {
            row.event_id: row
            for row in session.execute(
                select(
                    EventLog.event_id,
                    EventLog.type,
                    EventLog.station_id,
                    EventLog.operator_id,
                    EventLog.occurred_at,
                    EventLog.seq,
                    EventLog.payload,
                    EventLog.status,
                    EventLog.reason,
                    EventLog.outcome,
                ).where(one_of(session, EventLog.event_id, [i.event_id for i in items]))
            )  # fmt: skip
        }
        batch = Batch(session)
        prefetch(
            session, batch, sender.station_id,
            [i.payload for i in items if i.payload and i.problem is None],
        )  # fmt: skip
        results: list[EventResult] = []
        rows: list[dict[str, Any]] = []
        seen: dict[str, tuple[str, EventResult]] = {}
        for item in items:
            prior = existing.get(item.event_id)
            if prior is not None or item.event_id in seen:
                results.append(_answer_repeat(item, prior, seen, sender, received_at, rows))
                continue
            problem = item.problem
            if problem is None:
                assert item.event is not None
                problem = authority.problem(session, batch, sender, item.event)
            if problem is not None:
                rows.append(_row(item, item.event, "rejected", problem, None, sender, received_at))
                result = EventResult(id=item.event_id, status="rejected", reason=problem)
                results.append(result)
                seen[item.event_id] = (item.key, result)
                continue
            assert item.event is not None and item.payload is not None
            result = _apply_one(session, batch, sender, item, rows, received_at, safe=safe)
            results.append(result)
            seen[item.event_id] = (item.key, result)
        batch.flush_buffers()
        _number_derived(session, rows)
        ledger.append_rows(session, head, rows)
        if batch.changed and session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_notify('lineside_feed', '')"))
        session.flush()
        # Last: the change counter stays locked from here to the commit only.
        batch_revs(session, batch)
        session.commit()
    if batch.changed:
        for callback in list(ON_CHANGE):
            try:
                callback()
            except Exception:  # noqa: BLE001 - a listener must not fail a committed batch
                log.exception("feed notification failed")
    return results


def _apply_one(
    session: Session,
    batch: Batch,
    sender: Sender,
    item: _Item,
    rows: list[dict[str, Any]],
    received_at: datetime,
    *,
    safe: bool,
) -> EventResult:
    assert item.event is not None and item.payload is not None
    ctx = ApplyContext(session, item.event, sender, batch, dispatch)
    savepoint = session.begin_nested() if safe else None
    try:
        outcome = dispatch(ctx, item.payload)
        if savepoint is not None:
            batch.flush_buffers()  # a broken row shows up here, inside the event's savepoint
    except Rejected as exc:
        if savepoint is None:
            raise _Refused from None
        savepoint.rollback()
        _after_rollback(batch, session)
        rows.append(_row(item, item.event, "rejected", exc.reason, None, sender, received_at))
        return EventResult(id=item.event_id, status="rejected", reason=exc.reason)
    except Exception as exc:
        if savepoint is None:
            raise
        log.exception("event %s (%s) could not be applied", item.event_id, item.event.type)
        savepoint.rollback()
        _after_rollback(batch, session)
        reason = (
            f"the server could not apply this {item.event.type} ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:200]}); it is kept for a supervisor to look at"
        )
        rows.append(_row(item, item.event, "rejected", reason, None, sender, received_at))
        return EventResult(id=item.event_id, status="rejected", reason=reason)
    if savepoint is not None:
        savepoint.commit()
    rows.append(_row(item, item.event, "applied", None, outcome, sender, received_at))
    # Reactions the event set off are chained right after it, with their cause.
    for derived, derived_outcome in ctx.derived:
        row = _row(None, derived, "applied", None, derived_outcome, sender, received_at)
        row[_DERIVED] = True
        rows.append(row)
    return EventResult(id=item.event_id, status="applied", outcome=outcome.dump())


def _after_rollback(batch: Batch, session: Session) -> None:
    """After an event's savepoint rolled back: forget what it looked up, buffered or touched."""
    batch.memo.clear()
    batch.buffers.clear()
    batch.touched = {k: row for k, row in batch.touched.items() if row in session}


def _answer_repeat(
    item: _Item,
    prior: EventLog | None,
    seen: dict[str, tuple[str, EventResult]],
    sender: Sender,
    received_at: datetime,
    rows: list[dict[str, Any]],
) -> EventResult:
    """A replayed event is answered as the first time; a re-used id with other content is a
    conflict, kept (under a new id) for supervisors."""
    if prior is not None:
        same = item.event is not None and item.key == _stored_identity(prior)
        if same:
            return EventResult(
                id=prior.event_id,
                status="duplicate",
                reason=prior.reason,
                outcome=json.loads(prior.outcome) if prior.outcome else {},
                original_status=prior.status,
            )
        what = f"{prior.type} seq {prior.seq} from {prior.station_id}"
    else:
        key, first = seen[item.event_id]
        if item.event is not None and item.key == key:
            return EventResult(
                id=first.id, status="duplicate", reason=first.reason, outcome=first.outcome,
                original_status=first.status,
            )  # fmt: skip
        what = "another event of this batch"
    reason = (
        f"conflict: event id {item.event_id} was already used by {what} with different content; "
        "this event was not applied"
    )
    rows.append(
        _row(item, item.event, "rejected", reason, None, sender, received_at, str(uuid.uuid4()))
    )
    return EventResult(id=item.event_id, status="rejected", reason=reason)


_DERIVED = "__derived"


def _number_derived(session: Session, rows: list[dict[str, Any]]) -> None:
    """Facts the server derived get its sequence numbers, one block per batch."""
    derived = [r for r in rows if r.pop(_DERIVED, False)]
    if not derived:
        return
    first = take_block(session, "server_seq", len(derived))
    for n, row in enumerate(derived):
        row["seq"] = first + n


def batch_revs(session: Session, batch: Batch) -> None:
    """Give every row the batch touched its change number (one counter update, at the end)."""
    if not batch.touched:
        return
    rows = list(batch.touched.values())
    first = take_block(session, "rev", len(rows))
    for n, row in enumerate(rows):
        row.rev = first + n
        session.add(row)
    session.flush()


def post(
    engine: Engine,
    payload: ev.Payload,
    sender: Sender,
    *,
    event_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
) -> EventResult:
    """Record one fact in the name of a person (or of the server): numbered, applied, chained."""
    with Session(engine) as session:
        seq = take_block(session, "server_seq", 1)
        session.commit()
    event = ev.make_event(
        payload,
        station_id=SERVER_STATION,
        seq=seq,
        operator_id=sender.person,
        occurred_at=occurred_at,
        event_id=event_id,
    )
    return ingest_batch(engine, [event.model_dump(mode="json")], sender)[0]


def ingest_one(engine: Engine, raw: Any, sender: Sender | str) -> EventResult:
    """One raw event, as a batch of one."""
    return ingest_batch(engine, [raw], sender)[0]
