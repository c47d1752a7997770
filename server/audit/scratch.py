"""A scratch database for a replay: migrated, holding the live plant's reference data.

Reference tables (parts, routings, characteristics, stations, operators,
suppliers, defect codes, plant settings) come from a plant import, never from
events, so they are copied as they are. Opening stock and work orders are
imported rows that events change afterwards; they are put back as they were
before any event: from the plant file when one is given, otherwise rebuilt
from what the live rows keep of their start (see ``opening_from_live``).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from server import models as m
from server.db import make_engine
from server.migrate import upgrade
from server.models_genealogy import LotOrigin

#: Tables copied as they are, parents before children.
REFERENCE = (
    "plant_meta", "supplier", "part", "station", "operation", "bom_line", "characteristic",
    "operator", "defect_code",
)  # fmt: skip


_SECRETS = frozenset({"pin_hash", "token_hash"})


@dataclass(frozen=True, slots=True)
class LaterChange:
    """A change made outside events once the log had begun; it took a change number then."""

    at: datetime
    #: A work order released over the API (None: a station's token issued or revoked).
    work_order: dict[str, Any] | None = None


#: When rows the plant file sets were made, as far as the replay is concerned: before any event.
BEFORE_EVENTS = datetime(2000, 1, 1, tzinfo=UTC)


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they are stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class WrongPlant(ValueError):
    """The plant file given is not the plant the database holds."""


@dataclass(slots=True)
class Scratch:
    engine: Engine
    directory: tempfile.TemporaryDirectory[str]
    #: How the opening lots and work orders were put back, for the report.
    opening: str
    #: Changes made outside events after the log began, for the replay to make in their turn.
    later: list[LaterChange] = field(default_factory=list)

    def close(self) -> None:
        self.engine.dispose()
        self.directory.cleanup()


def build(live: Engine, plant_file: Path | None = None) -> Scratch:
    """A fresh migrated SQLite database with ``live``'s reference data and opening rows."""
    directory = tempfile.TemporaryDirectory(prefix="lineside-audit-")
    engine = make_engine(f"sqlite:///{Path(directory.name) / 'replay.db'}")
    upgrade(engine)
    try:
        copy_reference(live, engine)
        if plant_file is not None:
            lots, orders = opening_from_plant(live, plant_file)
            how = f"opening lots and work orders from {plant_file}"
        else:
            lots, orders = opening_from_live(live)
            how = (
                "opening lots and work orders rebuilt from the database: quantity from the initial "
                "quantity, operations done before the log from the routing record, status from the "
                "routing (give --plant FILE to take them from the plant file)"
            )
        orders, later, tokens_before = _split_later(live, orders)
        _number_as_imported(live, engine, lots, orders, tokens_before)
        with engine.begin() as conn:
            if orders:
                conn.execute(insert(m.WorkOrder.__table__), orders)  # type: ignore[attr-defined]
            if lots:
                conn.execute(insert(m.Lot.__table__), lots)  # type: ignore[attr-defined]
    except BaseException:
        engine.dispose()
        directory.cleanup()
        raise
    return Scratch(engine, directory, how, later)


def _split_later(
    live: Engine, orders: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[LaterChange], int]:
    """The work orders there were before the first event; the changes made outside events
    after it (work orders released over the API, station tokens issued or revoked), in time
    order; and how many tokens were issued or revoked before it."""
    log = SQLModel.metadata.tables["event_log"]
    station = SQLModel.metadata.tables["station"]
    with live.connect() as conn:
        first = conn.execute(select(func.min(log.c.received_at))).scalar_one_or_none()
        tokens = [
            utc(at)
            for row in conn.execute(select(station.c.token_issued_at, station.c.token_revoked_at))
            for at in row
            if at is not None
        ]
    if first is None:
        return orders, [], len(tokens)
    start = utc(first)
    opening = [o for o in orders if utc(o["created_at"]) < start]
    later = [LaterChange(utc(o["created_at"]), o) for o in orders if utc(o["created_at"]) >= start]
    later += [LaterChange(at) for at in tokens if at >= start]
    return opening, sorted(later, key=lambda c: c.at), sum(1 for at in tokens if at < start)


#: Reference tables whose change numbers events never move (a station's moves when its
#: token is issued or revoked: counted apart).
_NUMBERED = ("supplier", "part", "operation", "operator", "defect_code")


def _number_as_imported(
    live: Engine,
    scratch: Engine,
    lots: list[dict[str, Any]],
    orders: list[dict[str, Any]],
    tokens: int,
) -> None:
    """Give the opening rows the change numbers the plant import gave them, and start the
    scratch counter where the live one stood before the first event.

    A terminal says which change it last saw (``known_rev``); whether a hold was
    news to it (a quality escape) or known (a refusal) depends on these numbers,
    so the replay must number its changes as the live server did. The import
    numbered reference rows, then lots, then work orders; events never
    renumber reference rows, so the highest of theirs is where the lots began;
    station tokens issued before the first event come after."""
    station = SQLModel.metadata.tables["station"]
    with live.connect() as conn:
        base = max(
            int(conn.execute(select(func.coalesce(func.max(t.c.rev), 0))).scalar_one())
            for t in (SQLModel.metadata.tables[name] for name in _NUMBERED)
        )
        never_enrolled = select(func.coalesce(func.max(station.c.rev), 0)).where(
            station.c.token_issued_at.is_(None), station.c.token_revoked_at.is_(None)
        )
        base = max(base, int(conn.execute(never_enrolled).scalar_one()))
    for n, row in enumerate([*lots, *orders], start=1):
        row["rev"] = base + n
    with scratch.begin() as conn:
        conn.execute(
            text("UPDATE counter SET value = :v WHERE name = 'rev'"),
            {"v": base + len(lots) + len(orders) + tokens},
        )


def make_later_change(scratch: Engine, change: LaterChange) -> None:
    """Take a change number as the live server did at ``change.at`` (and release the work
    order then)."""
    with scratch.begin() as conn:
        rev = conn.execute(
            text("UPDATE counter SET value = value + 1 WHERE name = 'rev' RETURNING value")
        ).scalar_one()
        if change.work_order is not None:
            row = {**change.work_order, "rev": int(rev)}
            conn.execute(insert(SQLModel.metadata.tables["work_order"]), [row])


def plant_as_filed(plant_file: Path) -> Scratch:
    """A fresh database holding only what ``plant_file`` sets: the reference data to hold the
    live tables against (a limit, a role or a PIN changed in the database shows up here; the
    replay, which uses the live reference data, cannot see it)."""
    from core.plant import load_plant
    from server.services.plant_import import import_plant

    directory = tempfile.TemporaryDirectory(prefix="lineside-audit-plant-")
    engine = make_engine(f"sqlite:///{Path(directory.name) / 'plant.db'}")
    try:
        upgrade(engine)
        import_plant(engine, load_plant(plant_file))
    except BaseException:
        engine.dispose()
        directory.cleanup()
        raise
    return Scratch(engine, directory, f"reference data from {plant_file}")


def copy_reference(live: Engine, scratch: Engine) -> None:
    with live.connect() as src, scratch.begin() as dst:
        for name in REFERENCE:
            table = SQLModel.metadata.tables[name]
            rows = [dict(r._mapping) for r in src.execute(select(table))]
            for row in rows:  # no event needs a secret: none is written to the scratch file
                for secret in _SECRETS.intersection(row):
                    row[secret] = None
            if rows:
                dst.execute(insert(table), rows)


def _opening_lot_ids(conn: Any) -> list[dict[str, Any]]:
    """Live lots no event made: no job produced them, no receipt, split or merge did."""
    lot = m.Lot.__table__  # type: ignore[attr-defined]
    origin = LotOrigin.__table__  # type: ignore[attr-defined]
    edge = m.GenealogyEdge.__table__  # type: ignore[attr-defined]
    rows = conn.execute(
        select(lot)
        .where(
            lot.c.job_id.is_(None),
            lot.c.id.not_in(select(origin.c.lot)),
            lot.c.id.not_in(select(edge.c.child_lot).where(edge.c.event_id.is_not(None))),
        )
        .order_by(lot.c.created_at, lot.c.id)  # the import's order
    )
    return [dict(r._mapping) for r in rows]


def _routings(conn: Any) -> dict[str, list[tuple[int, bool]]]:
    op = m.Operation.__table__  # type: ignore[attr-defined]
    out: dict[str, list[tuple[int, bool]]] = {}
    for product, seq, optional in conn.execute(select(op.c.product, op.c.seq, op.c.optional)):
        out.setdefault(product, []).append((int(seq), bool(optional)))
    return out


def _orders_from_live(conn: Any, known: set[str]) -> list[dict[str, Any]]:
    """Work orders no event made (plant file, ERP over the API), as they were released."""
    wo = m.WorkOrder.__table__  # type: ignore[attr-defined]
    out = []
    for r in conn.execute(select(wo).where(wo.c.kind != "rework").order_by(wo.c.created_at)):
        if r.number in known:
            continue
        row = dict(r._mapping)
        row.update(status="released", completed_qty=0, rev=0)
        out.append(row)
    return out


def opening_from_live(live: Engine) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Opening rows rebuilt from the live database.

    A lot's quantity is its initial quantity; the operations done before the
    log began are those it records done without a routing record (the
    ``lot_operation`` rows events write); it is ``wip`` while a required
    operation of its routing is still to do, else ``available``. A status the
    plant file gave otherwise (an opening lot already on hold, scrapped) cannot
    be known this way: give the plant file."""
    lot_op = m.LotOperation.__table__  # type: ignore[attr-defined]
    with live.connect() as conn:
        routings = _routings(conn)
        recorded: dict[str, set[int]] = {}
        for lot_id, seq in conn.execute(select(lot_op.c.lot, lot_op.c.operation_seq)):
            recorded.setdefault(lot_id, set()).add(int(seq))
        lots = []
        for row in _opening_lot_ids(conn):
            before = sorted(set(row["ops_done"] or []) - recorded.get(row["id"], set()))
            required = [s for s, optional in routings.get(row["part"], []) if not optional]
            unfinished = row["work_order"] is not None and any(s not in before for s in required)
            row.update(qty=row["initial_qty"], ops_done=before, rev=0,
                       status="wip" if unfinished else "available")  # fmt: skip
            lots.append(row)
        orders = _orders_from_live(conn, set())
    return lots, orders


def opening_from_plant(
    live: Engine, plant_file: Path
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Opening rows as the plant file states them (work orders the ERP added over the API
    are taken from the database, as released)."""
    from core.plant import load_plant

    plant = load_plant(plant_file)
    with live.connect() as conn:
        meta = conn.execute(
            select(m.PlantMeta.__table__).where(m.PlantMeta.__table__.c.key == "plant_id")  # type: ignore[attr-defined]
        ).first()
    if meta is not None and meta.value != plant.plant.id:
        raise WrongPlant(
            f"plant file {plant_file} describes plant {plant.plant.id}; the database holds plant "
            f"{meta.value}"
        )
    lots = [
        {
            "id": lot.id, "part": lot.part, "qty": lot.qty, "initial_qty": lot.qty,
            "status": lot.status, "supplier_id": lot.supplier, "supplier_lot": lot.supplier_lot,
            "work_order": lot.work_order, "ops_done": sorted(lot.ops_done), "rev": 0,
            "created_at": BEFORE_EVENTS,
        }
        for lot in plant.lots
    ]  # fmt: skip
    orders = [
        {"number": wo.number, "product": wo.product, "qty": wo.qty, "status": wo.status,
         "due": wo.due, "kind": "production", "completed_qty": 0, "created_at": BEFORE_EVENTS,
         "rev": 0}
        for wo in plant.work_orders
    ]  # fmt: skip
    with live.connect() as conn:
        orders += _orders_from_live(conn, {str(o["number"]) for o in orders})
        # Lots the file no longer lists but the database opened with (an earlier plant file).
        listed = {str(lot["id"]) for lot in lots}
        extra = [r for r in _opening_lot_ids(conn) if r["id"] not in listed]
    if extra:
        rebuilt, _ = opening_from_live(live)
        lots += [r for r in rebuilt if r["id"] in {e["id"] for e in extra}]
    return lots, orders
