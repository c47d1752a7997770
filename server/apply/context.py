"""What a handler gets: the event, who sent it, the session, and a way to derive events.

A handler is ``(ctx, payload) -> Outcome``. It checks the event against what
the server knows and raises ``Rejected`` with a reason a person can read
*before* it changes anything; then it changes the plant's state through the
session and returns its outcome. Holds, NCRs and signals it sets off are
derived events made with ``ctx.emit``: they are applied at once through the
same registry and chained in the log right after their cause.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from sqlmodel import Session

from core import events as ev
from core.outcomes import Outcome
from server.db import bulk_insert

SERVER_STATION = "SERVER"  # the station id of facts the server records itself

SenderKind = Literal["station", "person", "server"]
T = TypeVar("T")
_MISSING = object()


class Rejected(Exception):
    """The event cannot be applied; ``reason`` is shown to people as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Sender:
    """Who posted a batch: an enrolled station, a person (console, CLI, API), or the server.

    ``chain`` names the hash chain the batch's log rows join: a station's own,
    or the server's for everything people and the server record.
    """

    kind: SenderKind
    station_id: str = SERVER_STATION
    person: str | None = None
    role: str | None = None

    @property
    def chain(self) -> str:
        return self.station_id if self.kind == "station" else SERVER_STATION

    @classmethod
    def station(cls, station_id: str) -> Sender:
        return cls("station", station_id)

    @classmethod
    def server(cls) -> Sender:
        return cls("server")

    @classmethod
    def of_person(cls, badge: str) -> Sender:
        return cls("person", SERVER_STATION, person=badge)


@dataclass(slots=True)
class Batch:
    """State shared by every event of one batch transaction.

    Rows whose change the station feed must report are ``touch``ed; they get
    their change numbers all at once when the batch commits, so the counter
    is locked only for that moment.
    """

    session: Session
    touched: dict[int, Any] = field(default_factory=dict)
    #: Per-batch lookups (prefetched limits, streams, ...) keyed by their owner module.
    memo: dict[str, Any] = field(default_factory=dict)
    #: Feed-visible change made: wake the stations' long polls after commit.
    changed: bool = False
    #: Rows inserted in bulk when the batch ends (or before a query that reads them).
    buffers: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)

    def touch(self, row: Any) -> None:
        self.touched.setdefault(id(row), row)
        self.changed = True

    def changed_here(self, row: Any) -> bool:
        return id(row) in self.touched

    def get(self, model: type[T], key: Any) -> T | None:
        """``session.get`` kept for the whole batch (the session alone may let a row go and
        load it again); rows created in this batch are found once ``remember``ed."""
        memo_key = ("row", model, key)
        found = self.memo.get(memo_key, _MISSING)
        if found is _MISSING:
            found = self.session.get(model, key)
            self.memo[memo_key] = found
        return found  # type: ignore[no-any-return]

    def remember(self, row: Any, key: Any) -> None:
        self.memo[("row", type(row), key)] = row

    def remember_as(self, model: type, key: Any, row: Any) -> None:
        """What ``get(model, key)`` will answer (None: known not to exist)."""
        self.memo[("row", model, key)] = row

    def insert_later(self, table: Any, row: dict[str, Any]) -> None:
        """Insert ``row`` into ``table`` with the batch's other rows of that table (one
        multi-row statement); nothing in this batch reads it back before ``flush_buffers``."""
        self.buffers.setdefault(table, []).append(row)

    def flush_buffers(self) -> None:
        """Write the session's pending objects, then every buffered row."""
        self.session.flush()
        buffers, self.buffers = self.buffers, {}
        for table, rows in buffers.items():
            bulk_insert(self.session, table, rows)


Dispatch = Callable[["ApplyContext", ev.Payload], Outcome]


@dataclass(slots=True)
class ApplyContext:
    """One event being applied (a floor event, or one derived from it)."""

    session: Session
    event: ev.Event
    sender: Sender
    batch: Batch
    dispatch: Dispatch
    #: Derived events with their outcomes, in the order they were applied.
    derived: list[tuple[ev.Event, Outcome]] = field(default_factory=list)

    @property
    def station_id(self) -> str:
        return self.event.station_id

    @property
    def operator_id(self) -> str | None:
        return self.event.operator_id

    @property
    def occurred_at(self) -> datetime:
        return self.event.occurred_at

    def touch(self, row: Any) -> None:
        self.batch.touch(row)
        self.session.add(row)

    def emit(
        self,
        payload: ev.Payload,
        event_id: uuid.UUID,
        *,
        operator: str | None = None,
        occurred_at: datetime | None = None,
    ) -> Outcome:
        """Apply a derived server fact now; it is logged right after its cause."""
        derived = ev.make_event(
            payload,
            station_id=SERVER_STATION,
            seq=1,  # numbered when the batch is chained
            operator_id=operator,
            occurred_at=occurred_at or self.event.occurred_at,
            event_id=event_id,
        )
        child = ApplyContext(
            session=self.session,
            event=derived,
            sender=Sender.server(),
            batch=self.batch,
            dispatch=self.dispatch,
            derived=self.derived,
        )
        position = len(self.derived)
        outcome = self.dispatch(child, payload)
        # The derived event sits before anything its own handler derived.
        self.derived.insert(position, (derived, outcome))
        return outcome


def utc_now() -> datetime:
    return datetime.now(UTC)
