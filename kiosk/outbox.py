"""The station's outbox: every event, durable before the operator sees the result.

SQLite in WAL mode with ``synchronous=FULL``: ``record`` returns only after the
events (and the flow state that goes with them) are on disk. Events get a
per-station ``seq`` that only grows. The sync loop sends ``pending()`` events
in ``seq`` order and stores the server's answer; rejected events stay listed
in ``unacknowledged()`` until the operator has seen them.

A write that finds the terminal's disk full raises ``OutboxFull`` after rolling
back completely: the step is not recorded, nothing already recorded is lost.
``carrying`` attaches other facts (the headless replay's position in its
script) to the same transaction as the next step's events.
"""

from __future__ import annotations

import errno
import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core import events as ev
from core.flow.actions import RecordEvent

_SCHEMA = """
CREATE TABLE IF NOT EXISTS event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    operator_id TEXT,
    occurred_at TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    reason TEXT,
    outcome TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    answered_at TEXT,
    acknowledged_at TEXT
);
CREATE INDEX IF NOT EXISTS ix_event_status ON event(status, seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


DISK_FULL_MESSAGE = "Terminal disk is full: no new work can be recorded. Call maintenance."
_SQLITE_FULL = 13  # SQLITE_FULL: "database or disk is full"


class OutboxFull(OSError):
    """The terminal's disk (or the outbox's size limit) is full: nothing was written."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(errno.ENOSPC, "the terminal's disk is full")
        self.detail = detail  # what SQLite or the OS said

    def __str__(self) -> str:
        return str(self.strerror)


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OutboxFull):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        code = getattr(exc, "sqlite_errorcode", None)
        return (code is not None and code & 0xFF == _SQLITE_FULL) or "disk is full" in str(exc)
    return isinstance(exc, OSError) and exc.errno == errno.ENOSPC


@dataclass(slots=True)
class Carried:
    """Facts to store with the next recorded step; ``written`` once they are on disk."""

    meta: dict[str, str]
    written: bool = False


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """One stored event with the server's answer so far."""

    seq: int
    id: str
    type: str
    operator_id: str | None
    occurred_at: str
    body: dict[str, Any]
    status: str  # pending | applied | rejected
    reason: str | None = None
    outcome: dict[str, Any] | None = None

    @property
    def payload(self) -> dict[str, Any]:
        return dict(self.body.get("payload", {}))


@dataclass(frozen=True, slots=True)
class Answer:
    """The server's answer to one event (``duplicate`` is stored as what happened first)."""

    id: str
    status: str
    reason: str | None = None
    outcome: dict[str, Any] | None = None


def _row(row: sqlite3.Row) -> OutboxEvent:
    return OutboxEvent(
        seq=row["seq"],
        id=row["id"],
        type=row["type"],
        operator_id=row["operator_id"],
        occurred_at=row["occurred_at"],
        body=json.loads(row["body"]),
        status=row["status"],
        reason=row["reason"],
        outcome=json.loads(row["outcome"]) if row["outcome"] else None,
    )


class Outbox:
    """A station's durable event queue and flow-state store (one SQLite file)."""

    def __init__(self, path: Path, station_id: str) -> None:
        self.path = path
        self.station_id = station_id
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, timeout=10)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "PRAGMA synchronous=FULL"
        )  # fsync on every commit: nothing lost on power cut
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(_SCHEMA)
        self._carried: Carried | None = None
        self.full = False  # the last write found the disk full (until one succeeds)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One durable transaction; a full disk becomes ``OutboxFull`` with nothing written."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
                self.full = False
            except BaseException:
                # SQLite may already have rolled back on its own (SQLITE_FULL does).
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        except (sqlite3.OperationalError, OSError) as exc:
            if not _is_disk_full(exc):
                raise
            self.full = True
            if isinstance(exc, OutboxFull):
                raise
            raise OutboxFull(str(exc)) from exc

    @contextmanager
    def carrying(self, **meta: str) -> Iterator[Carried]:
        """Store ``meta`` in the same transaction as the next ``record`` inside the block.

        ``Carried.written`` tells afterwards whether that write happened (it did not
        when the disk was full: then neither the step nor ``meta`` is on disk)."""
        carried = Carried(dict(meta))
        self._carried = carried
        try:
            yield carried
        finally:
            self._carried = None

    # --- writing ---------------------------------------------------------------------

    def record(
        self, records: Iterable[RecordEvent], state_json: str | None = None
    ) -> list[ev.Event]:
        """Store events (numbered in order) and the flow state in one durable transaction."""
        made: list[ev.Event] = []
        carried, self._carried = self._carried, None  # carried by this write, whatever happens
        with self._tx() as db:
            for rec in records:
                next_seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM event").fetchone()[0]
                seq_row = db.execute(
                    "SELECT seq FROM sqlite_sequence WHERE name = 'event'"
                ).fetchone()
                if seq_row is not None:
                    next_seq = max(next_seq, seq_row[0] + 1)
                event = ev.make_event(
                    rec.payload,
                    station_id=self.station_id,
                    seq=next_seq,
                    operator_id=rec.operator_id,
                    occurred_at=rec.occurred_at,
                    event_id=rec.event_id or uuid.uuid4(),
                )
                body = event.model_dump(mode="json")
                db.execute(
                    "INSERT INTO event (seq, id, type, operator_id, occurred_at, body) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        event.seq,
                        str(event.id),
                        event.type,
                        event.operator_id,
                        body["occurred_at"],
                        json.dumps(body, separators=(",", ":")),
                    ),
                )
                made.append(event)
            if state_json is not None:
                db.execute(
                    "INSERT INTO meta (key, value) VALUES ('state', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (state_json,),
                )
            if carried is not None:
                db.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    list(carried.meta.items()),
                )
        if carried is not None:
            carried.written = True
        return made

    def save_state(self, state_json: str) -> None:
        self.record((), state_json)

    def load_state(self) -> str | None:
        return self.meta("state")

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def answer(self, answers: Iterable[Answer]) -> list[OutboxEvent]:
        """Store the server's answers; returns the events newly rejected."""
        now = datetime.now(UTC).isoformat()
        rejected_ids: list[str] = []
        with self._tx() as db:
            for a in answers:
                status = "rejected" if a.status == "rejected" else "applied"
                cur = db.execute(
                    "UPDATE event SET status = ?, reason = ?, outcome = ?, answered_at = ?, "
                    "attempts = attempts + 1 WHERE id = ? AND status = 'pending'",
                    (status, a.reason, json.dumps(a.outcome) if a.outcome else None, now, a.id),
                )
                if cur.rowcount and status == "rejected":
                    rejected_ids.append(a.id)
        return [e for e in (self.get(i) for i in rejected_ids) if e is not None]

    def acknowledge(self, seqs: Iterable[int] | None = None) -> int:
        """The operator has seen these rejections (all when ``seqs`` is None)."""
        now = datetime.now(UTC).isoformat()
        with self._tx() as db:
            if seqs is None:
                cur = db.execute(
                    "UPDATE event SET acknowledged_at = ? "
                    "WHERE status = 'rejected' AND acknowledged_at IS NULL",
                    (now,),
                )
            else:
                cur = db.executemany(
                    "UPDATE event SET acknowledged_at = ? "
                    "WHERE seq = ? AND acknowledged_at IS NULL",
                    [(now, s) for s in seqs],
                )
            return cur.rowcount

    # --- reading ---------------------------------------------------------------------

    def get(self, event_id: str) -> OutboxEvent | None:
        row = self._db.execute("SELECT * FROM event WHERE id = ?", (event_id,)).fetchone()
        return _row(row) if row else None

    def pending(self, limit: int = 200) -> list[OutboxEvent]:
        rows = self._db.execute(
            "SELECT * FROM event WHERE status = 'pending' ORDER BY seq LIMIT ?", (limit,)
        ).fetchall()
        return [_row(r) for r in rows]

    def pending_count(self) -> int:
        return int(
            self._db.execute("SELECT COUNT(*) FROM event WHERE status = 'pending'").fetchone()[0]
        )

    def unacknowledged(self) -> list[OutboxEvent]:
        rows = self._db.execute(
            "SELECT * FROM event WHERE status = 'rejected' AND acknowledged_at IS NULL ORDER BY seq"
        ).fetchall()
        return [_row(r) for r in rows]

    def events(self, since_seq: int = 0) -> list[OutboxEvent]:
        rows = self._db.execute(
            "SELECT * FROM event WHERE seq > ? ORDER BY seq", (since_seq,)
        ).fetchall()
        return [_row(r) for r in rows]

    def last_seq(self) -> int:
        return int(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM event").fetchone()[0])
