"""Comparing what people read in the live database with what the log rebuilds.

Rows are matched on natural keys that a replay reproduces (event ids, lot,
hold, NCR, job and disposition ids, an edge's two lots, kind and event), never
on autoincrement ids or server timestamps, which a replay gives anew.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Engine

from server import models as m
from server.models_genealogy import SerialUnit, Shipment
from server.models_quality import Disposition, Ncr, Signature
from server.models_spc import SpcLimits, SpcPoint, SpcSignalRow


@dataclass(frozen=True, slots=True)
class Projection:
    """One table people read: how its rows are matched, what is compared, how a row is named."""

    noun: str
    table: Table
    key: tuple[str, ...]
    fields: tuple[str, ...]
    #: The column that names a row to people (the live id), when it differs from the key.
    named_by: str | None = None
    #: Rows only the database holds are not compared (settings the plant file does not set).
    theirs_only: bool = False

    def name(self, key: tuple[Any, ...], row: dict[str, Any] | None) -> str:
        if self.named_by is not None and row is not None:
            return f"{self.noun} {row[self.named_by]}"
        if self.noun == "genealogy edge":
            parent, child, kind, event = key
            return f"genealogy edge {parent} -> {child} ({kind}, event {event})"
        return f"{self.noun} {' '.join(str(k) for k in key)}"


def _t(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


PROJECTIONS: tuple[Projection, ...] = (
    Projection("measurement", _t(m.Measurement), ("event_id",),
               ("verdict", "value", "lsl", "usl", "characteristic", "job_id", "unit_serial"), "id"),
    Projection("SPC point", _t(SpcPoint), ("characteristic", "station_id", "limits_version", "idx"),
               ("values", "events", "in_control", "signal_id")),
    Projection("SPC signal", _t(SpcSignalRow), ("id",),
               ("characteristic", "point", "lots", "units", "ncr", "acknowledged_by")),
    Projection("SPC limits", _t(SpcLimits), ("characteristic", "version"),
               ("active", "chart", "limits", "frozen_by")),
    Projection("defect", _t(m.Defect), ("event_id",), ("code", "qty", "lot", "job_id"), "id"),
    Projection("genealogy edge", _t(m.GenealogyEdge),
               ("parent_lot", "child_lot", "kind", "event_id"), ("qty",)),
    Projection("consumption", _t(m.Consumption), ("event_id",), ("lot", "qty", "job_id"), "id"),
    Projection("job", _t(m.Job), ("id",),
               ("status", "work_order", "operation_seq", "station_id", "input_lot", "output_lot",
                "good_qty", "scrap_qty")),
    Projection("lot", _t(m.Lot), ("id",), ("status", "qty", "ops_done", "part", "work_order")),
    Projection("routing record", _t(m.LotOperation), ("lot", "operation_seq"),
               ("qty_in", "good_qty", "scrap_qty", "skipped", "job_id", "approved_by")),
    Projection("serial unit", _t(SerialUnit), ("serial",), ("lot", "status")),
    Projection("shipment", _t(Shipment), ("event_id", "lot"),
               ("qty", "customer", "customer_order"), "id"),
    Projection("hold", _t(m.Hold), ("id",),
               ("status", "target_type", "target", "ncr", "released_by")),
    Projection("NCR", _t(Ncr), ("id",), ("status", "source", "critical", "lots")),
    Projection("disposition", _t(Disposition), ("id",), ("ncr", "kind", "status")),
    Projection("signature", _t(Signature), ("event_id",),
               ("disposition_id", "signer", "role", "meaning", "record_hash"), "id"),
    Projection("work order", _t(m.WorkOrder), ("number",), ("status", "completed_qty")),
)  # fmt: skip


#: Reference data as the plant file sets it (bills of material are left out: their rows are
#: keyed by the database's operation ids).
REFERENCE: tuple[Projection, ...] = (
    Projection("characteristic", _t(m.Characteristic), ("id",),
               ("lsl", "usl", "nominal", "unit", "critical", "kind", "subgroup_size", "inspection",
                "reaction")),
    Projection("operator", _t(m.Operator), ("badge",), ("role", "active", "pin_hash", "name")),
    Projection("operation", _t(m.Operation), ("product", "seq"),
               ("name", "stations", "optional", "parallel", "new_lot")),
    Projection("part", _t(m.Part), ("id",), ("kind", "unit", "supplier_id")),
    Projection("defect code", _t(m.DefectCode), ("code",), ("severity", "reaction")),
    Projection("station", _t(m.Station), ("id",), ("line", "devices")),
    Projection("supplier", _t(m.Supplier), ("id",), ("name",)),
    Projection("plant setting", _t(m.PlantMeta), ("key",), ("value",), theirs_only=True),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Difference:
    what: str  # "measurement 1234"
    field: str | None  # None: the row is on one side only
    in_database: Any
    from_log: Any
    note: str | None = None  # says it all (events in one log only)

    #: What the database was compared with: "log" (the replay) or "plant" (the plant file).
    against: str = "log"

    def describe(self) -> str:
        if self.note is not None:
            return f"{self.what}: {self.note}"
        plant = self.against == "plant"
        if self.field is None:
            if self.from_log is None:
                return f"{self.what}: in the database, " + (
                    "not in the plant file" if plant else "not made by any event in the log"
                )
            return f"{self.what}: " + (
                "in the plant file, missing from the database"
                if plant
                else "made by the log, missing from the database"
            )
        if self.field == "pin_hash":  # never print a PIN's hash
            return f"{self.what}: PIN differs from the plant file's"
        there = "in the plant file" if plant else "from the log"
        return (
            f"{self.what}: {self.field.replace('_', ' ')} {_show(self.in_database)} in the "
            f"database, {_show(self.from_log)} {there}"
        )


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _norm(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def _load(engine: Engine, p: Projection) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    cols = sorted({*p.key, *p.fields, *([p.named_by] if p.named_by else [])})
    order = [p.table.c[p.named_by]] if p.named_by else [p.table.c[k] for k in p.key]
    out: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for row in conn.execute(select(*(p.table.c[c] for c in cols)).order_by(*order)):
            values = dict(row._mapping)
            key = tuple(values[k] for k in p.key)
            out.setdefault(key, []).append(values)
    return out


def _compare(
    p: Projection,
    live: dict[Any, list[dict[str, Any]]],
    rebuilt: dict[Any, list[dict[str, Any]]],
    against: str,
) -> Iterator[Difference]:
    keys = [*live, *(k for k in rebuilt if k not in live)]
    for key in keys:
        here, there = live.get(key, []), rebuilt.get(key, [])
        if p.theirs_only and not there:
            continue
        for n in range(max(len(here), len(there))):
            a = here[n] if n < len(here) else None
            b = there[n] if n < len(there) else None
            what = p.name(key, a)
            if a is None or b is None:
                yield Difference(what, None, a, b, against=against)
                continue
            for f in p.fields:
                if _norm(a[f]) != _norm(b[f]):
                    yield Difference(what, f, a[f], b[f], against=against)
                    break


def differences(
    live: Engine,
    rebuilt: Engine,
    limit: int = 100,
    projections: tuple[Projection, ...] = PROJECTIONS,
    against: str = "log",
) -> list[Difference]:
    """Rows that disagree, projection by projection in a fixed order, each in the live order."""
    found: list[Difference] = []
    for p in projections:
        for diff in _compare(p, _load(live, p), _load(rebuilt, p), against):
            found.append(diff)
            if len(found) >= limit:
                return found
    return found


def log_differences(live: Engine, rebuilt: Engine) -> list[Difference]:
    """Applied events (the server's derived ones included) in one log and not the other."""
    t = _t(m.EventLog)
    sides = []
    for engine in (live, rebuilt):
        applied = select(t.c.id, t.c.event_id, t.c.type).where(t.c.status == "applied")
        with engine.connect() as conn:
            sides.append({r.event_id: (r.id, r.type) for r in conn.execute(applied)})
    here, there = sides
    out = []
    for event_id, (row_id, type_) in sorted(here.items(), key=lambda kv: kv[1][0]):
        if event_id not in there:
            out.append(
                Difference(
                    f"{type_} {event_id} (log row {row_id})",
                    None,
                    True,
                    None,
                    "applied in the database's log, not derived when the log is replayed",
                )
            )
    for event_id, (_, type_) in sorted(there.items(), key=lambda kv: kv[1][0]):
        if event_id not in here:
            out.append(
                Difference(
                    f"{type_} {event_id}",
                    None,
                    None,
                    True,
                    "derived when the log is replayed, missing from the database's log",
                )
            )
    return out
