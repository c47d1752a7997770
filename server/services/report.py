"""The daily report: one plant day of production and quality, for the morning meeting.

``daily_report(engine, day)`` gathers, for the local day ``day`` in the plant's
time zone: jobs completed with good and scrap quantities and first-pass yield
per station and work order; measurements and failures per characteristic;
defects by code; holds placed, released and still open; NCRs opened, closed
and still open; SPC signals and which are still unacknowledged; events
applied and refused; and whether the hash-chained event log still verifies.
Every figure is one grouped query over indexed tables, so the report costs the
same on a quiet day and a busy one.

``write_daily_report`` writes it as Markdown and JSON into a folder (the
server's nightly job and ``lineside report daily --out``); the write is atomic
and a report that is already there is left alone unless asked to redo it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from server import ledger
from server import models as m
from server.db import as_utc
from server.models_quality import Ncr
from server.models_spc import SpcSignalRow

#: Open holds and NCRs listed by name; beyond this the report gives the count.
LISTED = 25


@dataclass(frozen=True, slots=True)
class ProductionLine:
    station: str
    work_order: str
    jobs: int
    good: float
    scrap: float
    operation: int = 0
    #: The routing's last operation: its good units are finished (counted once in the total).
    last: bool = True

    @property
    def first_pass_yield(self) -> float | None:
        made = self.good + self.scrap
        return None if made <= 0 else self.good / made


@dataclass(frozen=True, slots=True)
class CharacteristicLine:
    characteristic: str
    measured: int
    failed: int


@dataclass(frozen=True, slots=True)
class DefectLine:
    code: str
    qty: float
    times: int


@dataclass(frozen=True, slots=True)
class OpenItem:
    id: str
    what: str
    since: datetime | None


@dataclass(frozen=True, slots=True)
class SignalLine:
    characteristic: str
    station: str
    rules: list[str]
    at: datetime
    acknowledged_by: str | None


@dataclass(frozen=True, slots=True)
class DailyReport:
    plant: str
    day: date
    timezone: str
    start: datetime  # UTC
    end: datetime  # UTC
    generated_at: datetime
    production: list[ProductionLine] = field(default_factory=list)
    characteristics: list[CharacteristicLine] = field(default_factory=list)
    defects: list[DefectLine] = field(default_factory=list)
    holds_placed: dict[str, int] = field(default_factory=dict)  # by source
    holds_released: int = 0
    open_holds: int = 0
    open_hold_list: list[OpenItem] = field(default_factory=list)
    ncrs_opened: int = 0
    ncrs_closed: int = 0
    open_ncrs: int = 0
    open_ncr_list: list[OpenItem] = field(default_factory=list)
    signals: list[SignalLine] = field(default_factory=list)
    unacknowledged_signals: int = 0
    events_applied: int = 0
    events_rejected: int = 0
    rejection_reasons: dict[str, int] = field(default_factory=dict)
    ledger_checked: bool = True
    ledger_rows: int = 0
    ledger_problem: str | None = None

    # --- totals ---

    @property
    def good(self) -> float:
        """Finished units: good out of the last operation of their routing (a unit that went
        through four operations is counted once, not four times)."""
        return sum(p.good for p in self.production if p.last)

    @property
    def good_at_operations(self) -> float:
        """Good out of every operation (a unit counts at each operation it went through)."""
        return sum(p.good for p in self.production)

    @property
    def scrap(self) -> float:
        return sum(p.scrap for p in self.production)

    @property
    def first_pass_yield(self) -> float | None:
        """Good over made, across the operations done that day."""
        made = self.good_at_operations + self.scrap
        return None if made <= 0 else self.good_at_operations / made

    @property
    def measured(self) -> int:
        return sum(c.measured for c in self.characteristics)

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.characteristics)

    # --- output ---

    def to_json(self) -> str:
        data: dict[str, Any] = asdict(self)
        data["totals"] = {
            "finished": self.good,
            "good_at_operations": self.good_at_operations,
            "scrap": self.scrap,
            "first_pass_yield": self.first_pass_yield,
            "measured": self.measured,
            "failed": self.failed,
        }
        for line, source in zip(data["production"], self.production, strict=True):
            line["first_pass_yield"] = source.first_pass_yield
        return json.dumps(data, default=_json_default, indent=2, sort_keys=True) + "\n"

    def to_markdown(self) -> str:
        out: list[str] = [
            f"# {self.plant}: daily report for {self.day.isoformat()}",
            "",
            f"Plant day {_local(self.start, self.timezone)} to {_local(self.end, self.timezone)} "
            f"({self.timezone}); written {_local(self.generated_at, self.timezone)}.",
            "",
            "## Summary",
            "",
            f"- Good {_qty(self.good_at_operations)} across operations, {_qty(self.good)} finished "
            f"(out of their last operation); scrap {_qty(self.scrap)}, first-pass yield "
            f"{_pct(self.first_pass_yield)}",
            f"- Measurements {self.measured}, out of tolerance {self.failed}",
            f"- Holds placed {sum(self.holds_placed.values())}, released {self.holds_released}, "
            f"open now {self.open_holds}",
            f"- NCRs opened {self.ncrs_opened}, closed {self.ncrs_closed}, open now {self.open_ncrs}",
            f"- SPC signals {len(self.signals)}, unacknowledged now {self.unacknowledged_signals}",
            f"- Events applied {self.events_applied}, refused {self.events_rejected}",
            "- Event log: "
            + (
                "not checked (`lineside audit verify` checks it)"
                if not self.ledger_checked
                else f"{self.ledger_rows} rows, the hash chain verifies"
                if self.ledger_problem is None
                else f"BROKEN: {self.ledger_problem}. Run `lineside audit verify` and "
                "treat the records after it as suspect."
            ),
            "",
            "## Production",
            "",
        ]
        if self.production:
            out += _table(
                ["Station", "Work order", "Op", "Jobs", "Good", "Scrap", "First-pass yield"],
                [
                    [
                        p.station,
                        p.work_order,
                        f"{p.operation}{'' if p.last else ' →'}",
                        str(p.jobs),
                        _qty(p.good),
                        _qty(p.scrap),
                        _pct(p.first_pass_yield),
                    ]
                    for p in self.production
                ],  # fmt: skip
            )
        else:
            out.append("No job was completed.")
        out += ["", "## Measurements", ""]
        if self.characteristics:
            out += _table(
                ["Characteristic", "Measured", "Out of tolerance", "Rate"],
                [
                    [
                        c.characteristic,
                        str(c.measured),
                        str(c.failed),
                        _pct(c.failed / c.measured if c.measured else None),
                    ]
                    for c in self.characteristics
                ],  # fmt: skip
            )
        else:
            out.append("Nothing was measured.")
        out += ["", "## Defects", ""]
        if self.defects:
            out += _table(
                ["Code", "Quantity", "Times flagged"],
                [[d.code, _qty(d.qty), str(d.times)] for d in self.defects],
            )
        else:
            out.append("No defect was flagged.")
        out += ["", "## Holds", ""]
        if self.holds_placed:
            placed = ", ".join(f"{source} {n}" for source, n in sorted(self.holds_placed.items()))
            out.append(f"Placed by source: {placed}.")
            out.append("")
        out += _open_items("open hold", self.open_holds, self.open_hold_list, self.timezone)
        out += ["", "## Nonconformances", ""]
        out += _open_items("open NCR", self.open_ncrs, self.open_ncr_list, self.timezone)
        out += ["", "## SPC signals", ""]
        if self.signals:
            out += _table(
                ["Characteristic", "Station", "Rules", "At", "Acknowledged by"],
                [
                    [
                        s.characteristic,
                        s.station,
                        ", ".join(s.rules),
                        _local(s.at, self.timezone),
                        s.acknowledged_by or "**not yet**",
                    ]
                    for s in self.signals
                ],  # fmt: skip
            )
        else:
            out.append("No SPC signal.")
        if self.rejection_reasons:
            out += ["", "## Refused events", ""]
            out += _table(
                ["Reason", "Events"],
                [[reason, str(n)] for reason, n in self.rejection_reasons.items()],
            )
        return "\n".join(out) + "\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _local(value: datetime, tz: str) -> str:
    return local_time(value, tz)


def local_time(value: datetime, tz: str, *, seconds: bool = False) -> str:
    """``value`` on the plant's clock with the zone named: "2026-12-06 14:03 CET" (the IANA
    name where the zone has no abbreviation); a naive ``value`` is taken as UTC."""
    where = zone(tz)
    local = (as_utc(value) or value).astimezone(where)
    abbreviation = local.strftime("%Z")
    name = abbreviation if abbreviation.isalpha() else where.key
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + f" {name}"


def _qty(value: float) -> str:
    return f"{value:g}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _open_items(noun: str, total: int, items: list[OpenItem], tz: str) -> list[str]:
    if total == 0:
        return [f"No {noun}."]
    lines = [f"{total} {noun}{'s' if total != 1 else ''}, oldest first:", ""]
    for item in items:
        since = f" (since {_local(item.since, tz)})" if item.since else ""
        lines.append(f"- **{item.id}**{since}: {_cell(item.what)}")
    if total > len(items):
        lines.append(f"- … and {total - len(items)} more")
    return lines


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def plant_info(engine: Engine) -> tuple[str, str]:
    """The plant's name and time zone, as the plant file gave them."""
    with Session(engine) as session:
        meta = dict(
            session.execute(
                select(m.PlantMeta.key, m.PlantMeta.value).where(
                    m.PlantMeta.key.in_(("plant_name", "timezone"))  # type: ignore[attr-defined]
                )
            ).all()
        )
    return meta.get("plant_name") or "lineside", meta.get("timezone") or "UTC"


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants a local plant day starts and ends (23 or 25 hours on a DST change)."""
    local = zone(tz)
    start = datetime.combine(day, time(0), tzinfo=local)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=local)
    return start.astimezone(UTC), end.astimezone(UTC)


def daily_report(
    engine: Engine,
    day: date,
    *,
    now: datetime | None = None,
    verify_chain: bool = True,
    incremental: bool = False,
) -> DailyReport:
    """The report for the plant day ``day``; ``verify_chain`` walks the whole event log (or,
    ``incremental``, each chain from where the last incremental check stopped)."""
    plant, tz = plant_info(engine)
    start, end = day_bounds(day, tz)
    lo, hi = start, end  # UTC: SQLite keeps timestamps as UTC wall time
    generated = now or datetime.now(UTC)
    with Session(engine) as s:
        last_op = dict(
            s.execute(
                select(m.WorkOrder.number, func.max(m.Operation.seq))
                .join(m.Operation, m.Operation.product == m.WorkOrder.product)
                .group_by(m.WorkOrder.number)
            ).all()
        )
        production = [
            ProductionLine(station, wo, int(jobs), float(good or 0), float(scrap or 0), int(seq),
                           last_op.get(wo) in (None, seq))
            for station, wo, seq, jobs, good, scrap in s.execute(
                select(m.Job.station_id, m.Job.work_order, m.Job.operation_seq, func.count(),
                       func.sum(m.Job.good_qty), func.sum(m.Job.scrap_qty))
                .where(m.Job.status == "completed", m.Job.ended_at >= lo, m.Job.ended_at < hi)
                .group_by(m.Job.station_id, m.Job.work_order, m.Job.operation_seq)
                .order_by(m.Job.station_id, m.Job.work_order, m.Job.operation_seq)
            ).all()
        ]  # fmt: skip
        failed = func.sum(case((m.Measurement.verdict == "fail", 1), else_=0))
        characteristics = [
            CharacteristicLine(ch, int(n), int(fails or 0))
            for ch, n, fails in s.execute(
                select(m.Measurement.characteristic, func.count(), failed)
                .where(m.Measurement.occurred_at >= lo, m.Measurement.occurred_at < hi)
                .group_by(m.Measurement.characteristic)
                .order_by(failed.desc(), m.Measurement.characteristic)
            ).all()
        ]
        qty = func.sum(m.Defect.qty)
        defects = [
            DefectLine(code, float(total or 0), int(times))
            for code, total, times in s.execute(
                select(m.Defect.code, qty, func.count())
                .where(m.Defect.occurred_at >= lo, m.Defect.occurred_at < hi)
                .group_by(m.Defect.code)
                .order_by(qty.desc(), m.Defect.code)
            ).all()
        ]
        placed = {
            source: int(n)
            for source, n in s.execute(
                select(m.Hold.source, func.count())
                .where(m.Hold.placed_at >= lo, m.Hold.placed_at < hi)
                .group_by(m.Hold.source)
            ).all()
        }
        released = s.execute(
            select(func.count()).select_from(m.Hold)
            .where(m.Hold.released_at >= lo, m.Hold.released_at < hi)
        ).scalar_one()  # fmt: skip
        open_holds = s.execute(
            select(func.count()).select_from(m.Hold).where(m.Hold.status == "open")
        ).scalar_one()
        hold_list = [
            OpenItem(h.target, f"{h.target_type} on hold: {h.reason}"
                     + (f" ({h.ncr})" if h.ncr else ""), as_utc(h.placed_at))
            for h in s.execute(
                select(m.Hold).where(m.Hold.status == "open")
                .order_by(m.Hold.placed_at, m.Hold.id).limit(LISTED)
            ).scalars()
        ]  # fmt: skip
        ncrs_opened = s.execute(
            select(func.count()).select_from(Ncr).where(Ncr.opened_at >= lo, Ncr.opened_at < hi)
        ).scalar_one()
        ncrs_closed = s.execute(
            select(func.count()).select_from(Ncr).where(Ncr.closed_at >= lo, Ncr.closed_at < hi)
        ).scalar_one()
        open_ncrs = s.execute(
            select(func.count()).select_from(Ncr).where(Ncr.status != "closed")
        ).scalar_one()
        ncr_list = [
            OpenItem(n.id, f"{n.title} ({n.status.replace('_', ' ')})", as_utc(n.opened_at))
            for n in s.execute(
                select(Ncr).where(Ncr.status != "closed")
                .order_by(Ncr.opened_at, Ncr.id).limit(LISTED)
            ).scalars()
        ]  # fmt: skip
        signals = [
            SignalLine(r.characteristic, r.station_id, list(r.rules), as_utc(r.at) or r.at,
                       r.acknowledged_by)
            for r in s.execute(
                select(SpcSignalRow)
                .where(SpcSignalRow.at >= lo, SpcSignalRow.at < hi, SpcSignalRow.continues.is_(None))  # type: ignore[union-attr]
                .order_by(SpcSignalRow.at, SpcSignalRow.id)
            ).scalars()
        ]  # fmt: skip
        unacknowledged = s.execute(
            select(func.count())
            .select_from(SpcSignalRow)
            .where(
                SpcSignalRow.acknowledged_at.is_(None),  # type: ignore[union-attr]
                SpcSignalRow.continues.is_(None),  # type: ignore[union-attr]
            )
        ).scalar_one()
        by_status = dict(
            s.execute(
                select(m.EventLog.status, func.count())
                .where(m.EventLog.received_at >= lo, m.EventLog.received_at < hi)
                .group_by(m.EventLog.status)
            ).all()
        )
        reasons = {
            str(reason): int(n)
            for reason, n in s.execute(
                select(m.EventLog.reason, func.count())
                .where(m.EventLog.received_at >= lo, m.EventLog.received_at < hi,
                       m.EventLog.status == "rejected")
                .group_by(m.EventLog.reason)
                .order_by(func.count().desc(), m.EventLog.reason)
                .limit(10)
            ).all()
        }  # fmt: skip
    chain = ledger.verify(engine, incremental=incremental) if verify_chain else None
    return DailyReport(
        plant=plant,
        day=day,
        timezone=tz,
        start=start,
        end=end,
        generated_at=generated,
        production=production,
        characteristics=characteristics,
        defects=defects,
        holds_placed=placed,
        holds_released=int(released),
        open_holds=int(open_holds),
        open_hold_list=hold_list,
        ncrs_opened=int(ncrs_opened),
        ncrs_closed=int(ncrs_closed),
        open_ncrs=int(open_ncrs),
        open_ncr_list=ncr_list,
        signals=signals,
        unacknowledged_signals=int(unacknowledged),
        events_applied=int(by_status.get("applied", 0)),
        events_rejected=int(by_status.get("rejected", 0)),
        rejection_reasons=reasons,
        ledger_checked=chain is not None,
        ledger_rows=chain.rows if chain else 0,
        ledger_problem=None
        if chain is None or chain.first_break is None
        else f"row {chain.first_break.row_id}: {chain.first_break.problem}",
    )


def report_paths(folder: Path, day: date) -> tuple[Path, Path]:
    stem = f"lineside-daily-{day.isoformat()}"
    return folder / f"{stem}.md", folder / f"{stem}.json"


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_daily_report(
    engine: Engine,
    folder: Path,
    day: date,
    *,
    redo: bool = False,
    now: datetime | None = None,
    incremental: bool = False,
) -> DailyReport | None:
    """Write the report for ``day`` into ``folder`` (``report_paths``); the report, or None
    when it was already there (and ``redo`` is off)."""
    md, js = report_paths(folder, day)
    if md.exists() and js.exists() and not redo:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    report = daily_report(engine, day, now=now, incremental=incremental)
    _write_atomically(js, report.to_json())
    _write_atomically(md, report.to_markdown())
    return report


def plant_today(engine: Engine, now: datetime | None = None) -> date:
    _, tz = plant_info(engine)
    return (now or datetime.now(UTC)).astimezone(zone(tz)).date()
