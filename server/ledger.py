"""The hash-chained event log: chains, verification, checkpoints.

Each row's ``hash`` is SHA-256 over the previous row's hash and a canonical
rendering of the row's content, so editing, deleting or reordering any row
breaks its chain at that point. There is one chain per station (a station's
batches extend only its own chain, so stations never wait for each other)
and one for what the server and people record; rows written before chains
existed form the ``plant`` chain. Each chain starts from its own genesis
hash, so rows cannot be moved from one chain to another.

``ledger_head`` holds each chain's tip; it is locked while a batch is
appended. A checkpoint chains all tips together; its hash, printed on the
daily report and by ``lineside audit anchor``, is what an outsider keeps:
with it, even a log whose hashes were all recomputed is caught.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from server.db import bulk_insert
from server.models import EventLog, LedgerCheckpoint, LedgerHead, LedgerVerified

GENESIS = "0" * 64
LEGACY_CHAIN = "plant"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def ts(value: datetime | None) -> str | None:
    """A timestamp as the chain hashes it (UTC, microseconds)."""
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite returns naive datetimes; they are stored as UTC
        value = value.replace(tzinfo=UTC)
    elif value.utcoffset():
        value = value.astimezone(UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:"
        f"{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}Z"
    )


_ts = ts


def content_of(
    event_id: str,
    type_: str,
    station_id: str,
    operator_id: str | None,
    occurred_at: datetime | None,
    seq: int | None,
    payload: str,
    received_at: datetime | None,
    status: str,
    reason: str | None,
    outcome: str | None,
) -> str:
    return canonical_json(
        {
            "event_id": event_id,
            "type": type_,
            "station_id": station_id,
            "operator_id": operator_id,
            "occurred_at": _ts(occurred_at),
            "seq": seq,
            "payload": payload,
            "received_at": _ts(received_at),
            "status": status,
            "reason": reason,
            "outcome": outcome,
        }
    )


def row_content(row: Any) -> str:
    return content_of(
        row.event_id,
        row.type,
        row.station_id,
        row.operator_id,
        row.occurred_at,
        row.seq,
        row.payload,
        row.received_at,
        row.status,
        row.reason,
        row.outcome,
    )


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + "\n" + content).encode()).hexdigest()


def genesis(chain: str) -> str:
    """Where a chain starts: the legacy chain from zeros, every other from its own name."""
    if chain == LEGACY_CHAIN:
        return GENESIS
    return hashlib.sha256(f"lineside chain {chain}".encode()).hexdigest()


def lock_chain(session: Session, chain: str, *, defer_wal_flush: bool = False) -> LedgerHead:
    """Lock and return a chain's tip, creating the chain on first use.

    ``defer_wal_flush`` (PostgreSQL): this transaction's commit does not wait
    for the write-ahead log (``synchronous_commit = off`` for it alone); the
    caller flushes with a later synchronous commit before answering."""
    postgres = session.get_bind().dialect.name == "postgresql"
    stmt = select(LedgerHead)
    if defer_wal_flush and postgres:
        stmt = stmt.add_columns(func.set_config("synchronous_commit", "off", True))
    stmt = (
        stmt.where(LedgerHead.chain == chain)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = session.execute(stmt).first()
    if found is None:
        ins = (pg_insert if postgres else sqlite_insert)(LedgerHead).values(
            chain=chain, last_id=0, last_hash=genesis(chain), count=0
        )
        session.execute(ins.on_conflict_do_nothing(index_elements=["chain"]))
        found = session.execute(stmt).first()
    assert found is not None
    return found[0]


def append_rows(session: Session, head: LedgerHead, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Chain ``rows`` (column dicts, in order) after ``head``, insert them, move the tip.

    One multi-row insert for the whole batch; returns the new rows' ids."""
    if not rows:
        return []
    prev = head.last_hash
    for row in rows:
        row["chain"] = head.chain
        row["prev_hash"] = prev
        prev = row["hash"] = chain_hash(prev, _content_from_dict(row))
    ids = bulk_insert(session, EventLog.__table__, list(rows), ids=True)  # type: ignore[attr-defined]
    head.last_id = ids[-1]
    head.last_hash = prev
    head.count += len(rows)
    session.add(head)
    return ids


def _content_from_dict(row: dict[str, Any]) -> str:
    return content_of(
        row["event_id"],
        row["type"],
        row["station_id"],
        row["operator_id"],
        row["occurred_at"],
        row["seq"],
        row["payload"],
        row["received_at"],
        row["status"],
        row["reason"],
        row["outcome"],
    )


# --- verification ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Break:
    row_id: int | None
    event_id: str | None
    problem: str
    chain: str | None = None


@dataclass(frozen=True, slots=True)
class VerifyReport:
    rows: int
    first_break: Break | None
    chains: int = 0
    from_checkpoint: bool = False

    @property
    def ok(self) -> bool:
        return self.first_break is None


def _chain_rows(engine: Engine, chain: str, after: int, batch: int = 5000) -> Iterator[Any]:
    last = after
    with engine.connect() as conn:
        while True:
            rows = conn.execute(
                select(
                    EventLog.id,
                    EventLog.event_id,
                    EventLog.type,
                    EventLog.station_id,
                    EventLog.operator_id,
                    EventLog.occurred_at,
                    EventLog.seq,
                    EventLog.payload,
                    EventLog.received_at,
                    EventLog.status,
                    EventLog.reason,
                    EventLog.outcome,
                    EventLog.prev_hash,
                    EventLog.hash,
                )
                .where(EventLog.chain == chain, EventLog.id > last)
                .order_by(EventLog.id)
                .limit(batch)
            ).all()
            if not rows:
                return
            yield from rows
            last = rows[-1].id  # fmt: skip


@dataclass(slots=True)
class _Walk:
    chain: str
    rows: int
    last_id: int
    last_hash: str
    broken: Break | None = None


def _walk(engine: Engine, chain: str, start: tuple[int, str, int] | None) -> _Walk:
    after, prev, count = start if start is not None else (0, genesis(chain), 0)
    walk = _Walk(chain, count, after, prev)
    for row in _chain_rows(engine, chain, after):
        walk.rows += 1
        if row.prev_hash != walk.last_hash:
            walk.broken = Break(
                row.id, row.event_id,
                "does not link to the row before it (a row before it was deleted, inserted or "
                "reordered)", chain,
            )  # fmt: skip
            return walk
        if chain_hash(walk.last_hash, row_content(row)) != row.hash:
            walk.broken = Break(
                row.id, row.event_id, "content was changed after it was written", chain
            )
            return walk
        walk.last_hash = row.hash
        walk.last_id = row.id
    return walk


def verify(engine: Engine, *, incremental: bool = False) -> VerifyReport:
    """Walk every chain in id order and report the first broken link (lowest row id).

    With ``incremental`` each chain is walked from the last row a previous
    incremental check verified (and that point is moved on); the full walk
    re-reads everything."""
    with Session(engine) as session:
        heads = {h.chain: h for h in session.execute(select(LedgerHead)).scalars()}
        logged = set(session.execute(select(EventLog.chain).distinct()).scalars())
        verified = (
            {v.chain: v for v in session.execute(select(LedgerVerified)).scalars()}
            if incremental
            else {}
        )
    breaks: list[Break] = []
    total = 0
    walks: list[_Walk] = []
    for chain in sorted(set(heads) | logged):
        v = verified.get(chain)
        walk = _walk(engine, chain, (v.last_id, v.last_hash, v.count) if v else None)
        walks.append(walk)
        total += walk.rows
        if walk.broken is not None:
            breaks.append(walk.broken)
            continue
        head = heads.get(chain)
        if head is None:
            breaks.append(Break(None, None, f"chain {chain} has rows but no tip record", chain))
        elif (
            head.last_hash != walk.last_hash
            or head.count != walk.rows
            or head.last_id != walk.last_id
        ):
            breaks.append(
                Break(
                    head.last_id, None,
                    f"the log ends early: the tip of chain {chain} expects {head.count} rows "
                    f"ending at row {head.last_id}, found {walk.rows} ending at row "
                    f"{walk.last_id} (rows at the end were deleted)", chain,
                )
            )  # fmt: skip
    checkpoint_break = _check_checkpoints(engine, {w.chain: w for w in walks})
    if checkpoint_break is not None:
        breaks.append(checkpoint_break)
    first = min(breaks, key=lambda b: (b.row_id is None, b.row_id or 0)) if breaks else None
    if incremental and first is None:
        _remember_verified(engine, walks)
    return VerifyReport(total, first, chains=len(walks), from_checkpoint=bool(verified))


def _remember_verified(engine: Engine, walks: list[_Walk]) -> None:
    with Session(engine) as session:
        now = datetime.now(UTC)
        for walk in walks:
            row = session.get(LedgerVerified, walk.chain) or LedgerVerified(chain=walk.chain)
            row.last_id, row.last_hash, row.count, row.verified_at = (
                walk.last_id, walk.last_hash, walk.rows, now,
            )  # fmt: skip
            session.add(row)
        session.commit()


# --- checkpoints: every chain's tip, chained, for keeping outside the database -------


@dataclass(frozen=True, slots=True)
class Checkpoint:
    id: int
    at: datetime
    heads: dict[str, tuple[int, int, str]]  # chain -> (count, last id, last hash)
    hash: str


def _heads_json(heads: dict[str, tuple[int, int, str]]) -> str:
    return canonical_json({c: list(v) for c, v in sorted(heads.items())})


def checkpoint(engine: Engine) -> Checkpoint:
    """Record every chain's tip now, chained to the previous checkpoint; returns it."""
    with Session(engine) as session:
        for head in session.execute(select(LedgerHead).order_by(LedgerHead.chain)).scalars():
            lock_chain(session, head.chain)  # a consistent cut: no batch is half appended
        heads = {
            h.chain: (h.count, h.last_id, h.last_hash)
            for h in session.execute(select(LedgerHead)).scalars()
        }
        last = session.execute(
            select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc()).limit(1)
        ).scalar_one_or_none()
        prev = last.hash if last is not None else GENESIS
        at = datetime.now(UTC)
        body = _heads_json(heads)
        digest = chain_hash(prev, canonical_json({"at": _ts(at), "heads": body}))
        row = LedgerCheckpoint(at=at, heads=body, prev_hash=prev, hash=digest)
        session.add(row)
        session.commit()
        return Checkpoint(row.id or 0, at, heads, digest)


def latest_checkpoint(engine: Engine) -> Checkpoint | None:
    with Session(engine) as session:
        row = session.execute(
            select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc()).limit(1)
        ).scalar_one_or_none()
        if row is None:
            return None
        heads = {c: (int(v[0]), int(v[1]), str(v[2])) for c, v in json.loads(row.heads).items()}
        return Checkpoint(row.id or 0, row.at, heads, row.hash)


def _check_checkpoints(engine: Engine, walks: dict[str, _Walk]) -> Break | None:
    """Every checkpoint links to the one before, and the chains still hold what each recorded."""
    prev = GENESIS
    with Session(engine) as session:
        rows = list(
            session.execute(select(LedgerCheckpoint).order_by(LedgerCheckpoint.id)).scalars()
        )
        for cp in rows:
            body = canonical_json({"at": _ts(cp.at), "heads": cp.heads})
            if cp.prev_hash != prev or chain_hash(prev, body) != cp.hash:
                return Break(None, None, f"checkpoint {cp.id} was changed or removed")
            prev = cp.hash
            for chain, (count, last_id, last_hash) in json.loads(cp.heads).items():
                walk = walks.get(chain)
                if walk is None or walk.rows < count:
                    return Break(
                        last_id, None,
                        f"checkpoint {cp.id} recorded {count} rows in chain {chain}; the log "
                        f"now holds {0 if walk is None else walk.rows}: rows were removed",
                        chain,
                    )  # fmt: skip
                if walk.broken is not None:
                    continue
                if count == 0:  # an empty chain: nothing to look up, its tip is its genesis
                    if last_hash != genesis(chain):
                        return Break(None, None, f"checkpoint {cp.id} was changed or removed")
                    continue
                at = session.execute(
                    select(EventLog.hash).where(EventLog.chain == chain, EventLog.id == last_id)
                ).scalar_one_or_none()
                if at != last_hash:
                    return Break(
                        last_id, None,
                        f"row {last_id} of chain {chain} is not the one checkpoint {cp.id} "
                        "recorded: the log was rewritten", chain,
                    )  # fmt: skip
    return None


def anchor_problem(engine: Engine, anchor: str) -> str | None:
    """Check a checkpoint hash kept outside the database (a report, a printout).

    None when a checkpoint with that hash exists and the log still holds what
    it recorded; otherwise why not."""
    with Session(engine) as session:
        found = session.execute(
            select(LedgerCheckpoint).where(LedgerCheckpoint.hash == anchor.strip().lower())
        ).scalar_one_or_none()
    if found is None:
        return (
            f"no checkpoint has the hash {anchor[:16]}...: the log was rewritten after it was "
            "anchored, or the hash is mistyped"
        )
    report = verify(engine)
    if not report.ok and report.first_break is not None:
        return report.first_break.problem
    return None
