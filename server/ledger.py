"""The hash-chained event log: append and verify.

Each row's ``hash`` is SHA-256 over the previous row's hash and a canonical
rendering of the row's content, so editing, deleting or reordering any row
breaks the chain at that point. The ``ledger_head`` row holds the tip; it is
locked for every append, which also serialises event application.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from server.models import EventLog, LedgerHead

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite returns naive datetimes; they are stored as UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_content(row: EventLog) -> str:
    return canonical_json(
        {
            "event_id": row.event_id,
            "type": row.type,
            "station_id": row.station_id,
            "operator_id": row.operator_id,
            "occurred_at": _ts(row.occurred_at),
            "seq": row.seq,
            "payload": row.payload,
            "received_at": _ts(row.received_at),
            "status": row.status,
            "reason": row.reason,
            "outcome": row.outcome,
        }
    )


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + "\n" + content).encode()).hexdigest()


def lock_head(session: Session, *, defer_wal_flush: bool = False) -> LedgerHead:
    """Lock and return the chain tip (row lock on PostgreSQL; SQLite locks the file).

    ``defer_wal_flush`` (PostgreSQL): this transaction's commit does not wait for the
    write-ahead log to reach the disk (``SET LOCAL synchronous_commit = off``, in the same
    round trip); the caller flushes it with a later synchronous commit before answering."""
    stmt = select(LedgerHead)
    if defer_wal_flush and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.add_columns(func.set_config("synchronous_commit", "off", True))
    head = session.execute(
        stmt.where(LedgerHead.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    assert head is not None, "the ledger head row is missing: run the migrations"
    return head[0]


def append(session: Session, head: LedgerHead, row: EventLog) -> EventLog:
    """Chain ``row`` after ``head`` and add it; the caller commits."""
    row.prev_hash = head.last_hash
    row.hash = chain_hash(head.last_hash, row_content(row))
    session.add(row)
    session.flush()
    head.last_id = row.id or 0
    head.last_hash = row.hash
    head.count += 1
    session.add(head)
    return row


@dataclass(frozen=True, slots=True)
class Break:
    row_id: int | None
    event_id: str | None
    problem: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    rows: int
    first_break: Break | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def _rows(engine: Engine, batch: int = 5000) -> Iterator[EventLog]:
    last = 0
    with Session(engine) as session:
        while True:
            rows = session.execute(
                select(EventLog).where(EventLog.id > last).order_by(EventLog.id).limit(batch)
            ).scalars().all()
            if not rows:
                return
            for row in rows:
                yield row
            last = rows[-1].id or last
            session.expunge_all()


def verify(engine: Engine) -> VerifyReport:
    """Walk the chain in id order and report the first broken link."""
    prev = GENESIS
    count = 0
    last_id = 0
    for row in _rows(engine):
        count += 1
        if row.prev_hash != prev:
            return VerifyReport(
                count,
                Break(row.id, row.event_id, "does not link to the row before it "
                      "(a row before it was deleted, inserted or reordered)"),
            )
        if chain_hash(prev, row_content(row)) != row.hash:
            return VerifyReport(count, Break(row.id, row.event_id, "content was changed after it was written"))
        prev = row.hash
        last_id = row.id or 0
    with Session(engine) as session:
        head = session.get(LedgerHead, 1)
    if head is None:
        return VerifyReport(count, Break(None, None, "the chain tip record is missing"))
    if head.last_hash != prev or head.count != count or head.last_id != last_id:
        return VerifyReport(
            count,
            Break(head.last_id, None, f"the log ends early: the tip expects {head.count} rows "
                  f"ending at row {head.last_id}, found {count} ending at row {last_id} "
                  "(rows at the end were deleted)"),
        )
    return VerifyReport(count, None)
