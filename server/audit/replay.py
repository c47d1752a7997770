"""Feeding the logged events back through the apply pipeline, as they first arrived.

Only events the log records as applied are fed: a rejected event left nothing
behind (and a time check, say, could let it through today). Events the
server derived (holds, NCRs, signals) are not fed: the replay derives them
again from their cause, with the same ids, and the comparison checks that.
A station's batch is the run of its chain's rows received at one moment; it
is fed again as one batch from that station. What people and the server
recorded is fed event by event, in the name of the person named on it (the
server itself for what names nobody or only the server may record).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from core import events as ev
from server import ledger
from server.apply.context import SERVER_STATION, Sender
from server.apply.pipeline import ingest_batch
from server.audit.scratch import LaterChange, make_later_change, utc

_NCR_ID = re.compile(r"^NCR-(\d{4})-(\d+)$")


@dataclass(frozen=True, slots=True)
class Refusal:
    """A logged event that the replay did not apply as the log says it was."""

    row_id: int
    event_id: str
    type: str
    reason: str

    def describe(self) -> str:
        return (
            f"event {self.event_id} ({self.type}, log row {self.row_id}): applied in the log, "
            f"refused when the log is replayed: {self.reason}"
        )


@dataclass(slots=True)
class ReplayReport:
    fed: int = 0
    derived_skipped: int = 0
    refusals: list[Refusal] = field(default_factory=list)


_LOG = SQLModel.metadata.tables["event_log"]
_COLUMNS = (
    "id", "chain", "event_id", "type", "station_id", "operator_id", "occurred_at", "seq",
    "payload", "received_at", "status",
)  # fmt: skip


def _rows(engine: Engine, batch: int = 2000) -> Iterator[Any]:
    last = 0
    with engine.connect() as conn:
        while True:
            rows = conn.execute(
                select(*(_LOG.c[c] for c in _COLUMNS))
                .where(_LOG.c.id > last)
                .order_by(_LOG.c.id)
                .limit(batch)
            ).all()
            if not rows:
                return
            yield from rows
            last = rows[-1].id


def _batches(engine: Engine) -> Iterator[list[Any]]:
    """Runs of one chain's rows received at one moment (one posted batch each)."""
    run: list[Any] = []
    for row in _rows(engine):
        if run and (row.chain != run[-1].chain or row.received_at != run[-1].received_at):
            yield run
            run = []
        run.append(row)
    if run:
        yield run


def raw_event(row: Any) -> dict[str, Any]:
    """The event as its sender posted it, from its log row."""
    return {
        "id": row.event_id,
        "type": row.type,
        "station_id": row.station_id,
        "operator_id": row.operator_id,
        "occurred_at": ledger.ts(row.occurred_at),
        "seq": row.seq,
        "payload": json.loads(row.payload),
    }


def _person_sender(row: Any) -> Sender:
    """Who posted a row of the server's chain: the person it names, else the server itself."""
    rule = ev.AUTHORITY.get(row.type)
    if rule is not None and rule.person and row.operator_id:
        return Sender.of_person(row.operator_id)
    return Sender.server()


def _take_ncr_number(scratch: Engine, row: Any) -> None:
    """A person's NCR took its number from the counter before it was posted; so does the replay,
    so the NCRs the server numbers later get the numbers they got the first time."""
    try:
        ncr = str(json.loads(row.payload).get("ncr", ""))
    except (ValueError, AttributeError):
        return
    found = _NCR_ID.match(ncr)
    if found is None:
        return
    name, number = f"ncr-{found.group(1)}", int(found.group(2))
    with scratch.begin() as conn:
        moved = conn.execute(
            text("UPDATE counter SET value = :v WHERE name = :n AND value < :v"),
            {"n": name, "v": number},
        ).rowcount
        if (
            not moved
            and conn.execute(text("SELECT 1 FROM counter WHERE name = :n"), {"n": name}).first()
            is None
        ):
            conn.execute(
                text("INSERT INTO counter (name, value) VALUES (:n, :v)"), {"n": name, "v": number}
            )


def _in_scratch(scratch: Engine, event_id: str) -> bool:
    with scratch.connect() as conn:
        found = conn.execute(select(_LOG.c.id).where(_LOG.c.event_id == event_id)).first()
        return found is not None


def _feed(scratch: Engine, rows: list[Any], sender: Sender, report: ReplayReport) -> None:
    if not rows:
        return
    results = ingest_batch(scratch, [raw_event(r) for r in rows], sender)
    report.fed += len(rows)
    for row, result in zip(rows, results, strict=True):
        if result.status != "applied":
            reason = result.reason or f"answered {result.status}"
            report.refusals.append(Refusal(row.id, row.event_id, row.type, reason))


def _feed_station(scratch: Engine, rows: list[Any], report: ReplayReport) -> None:
    if rows:
        _feed(scratch, rows, Sender.station(rows[0].station_id), report)


def replay(live: Engine, scratch: Engine, later: Sequence[LaterChange] = ()) -> ReplayReport:
    """Feed every applied, non-derived event of ``live``'s log into ``scratch``, in log order;
    the changes made outside events (``later``) are made between the batches, in their turn."""
    report = ReplayReport()
    pending = list(later)
    for run in _batches(live):
        while pending and pending[0].at < utc(run[0].received_at):
            make_later_change(scratch, pending.pop(0))
        station_rows: list[Any] = []
        for row in run:
            if (
                row.type == "NcrOpened"
                and row.station_id == SERVER_STATION
                and row.status != "applied"
            ):
                _take_ncr_number(scratch, row)
            if row.status != "applied":
                continue
            if row.station_id != SERVER_STATION:
                station_rows.append(row)
                continue
            if row.chain != SERVER_STATION and row.chain != ledger.LEGACY_CHAIN:
                report.derived_skipped += 1  # derived from a station's event in this batch
                continue
            _feed_station(scratch, station_rows, report)
            station_rows = []
            if _in_scratch(scratch, row.event_id):
                report.derived_skipped += 1  # derived again from its cause
                continue
            if row.type == "NcrOpened":
                _take_ncr_number(scratch, row)
            _feed(scratch, [row], _person_sender(row), report)
        _feed_station(scratch, station_rows, report)
    for change in pending:
        make_later_change(scratch, change)
    return report
