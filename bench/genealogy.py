"""Trace benchmark: backward/forward traces and recall scope on a plant-sized genealogy.

Builds a synthetic plant history — by default 1,000,000 lots and over 5,000,000
genealogy edges: purchased lots (about 1 in 5), twelve levels of made lots each
with a BOM of 3-10 components (mostly purchased lots, one or two sub-assembly
lots from the level below, now and then one from further down), and a few bulk
materials whose lots go into tens of thousands of lots. Every made lot has the
job that made it (two measurements, sometimes a defect); some lots are held;
most finished lots are shipped to customer orders.

It loads that history into PostgreSQL (COPY) and SQLite (executemany), then
times, per database, over a sample of lots:

- backward traces of finished lots made at levels 4, 8 and 12,
- forward traces of purchased lots and of level-1 lots,
- the recall scope of each bulk supplier lot, and a forward trace of it,

each with p50/p95/p99 in milliseconds, beside a naive baseline that loads the
edges one level at a time through the ORM (as stock-movement-history tools do).

    .venv/bin/python bench/genealogy.py [--lots 1000000] [--samples 100] [--naive-samples 30]
        [--only sqlite|postgresql] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--sqlite-path /tmp/lineside_bench.db] [--keep] [--reuse] [--explain] [--seed 7]

PostgreSQL gets its own database (``lineside_bench``), dropped at the end
unless ``--keep``; ``--reuse`` measures a database kept by an earlier run.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server import models as m  # noqa: E402
from server.db import make_engine  # noqa: E402
from server.migrate import upgrade  # noqa: E402
from server.trace.query import MAX_WALK, reachable, trace, tune_for_traces  # noqa: E402
from server.trace.recall import recall_scope  # noqa: E402

LEVELS = 12
PARTS_PER_LEVEL = 8
RAW_PARTS = 300
SUPPLIERS = 30
STATIONS = 20
OPERATORS = 50
CUSTOMERS = 200
RAW_SHARE = 0.18
BULK_FANOUT = (12_000, 20_000, 30_000, 45_000, 60_000)  # lots each bulk lot goes into, at 1M lots
MADE_WINDOW = 25  # a sub-assembly lot is drawn from this many lots either side in time
RAW_WINDOW = 120  # likewise for purchased lots
BIG_TABLES = (
    "lot",
    "genealogy_edge",
    "job",
    "measurement",
    "defect",
    "hold",
    "shipment",
    "lot_origin",
)
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


# --- the synthetic history ---------------------------------------------------


@dataclass
class History:
    n_lots: int
    names: list[str]
    level: np.ndarray  # 0 = purchased
    part: list[str]
    made_offset: list[int]  # first global id of each level (index 1..LEVELS)
    made_size: list[int]
    n_raw: int
    bulk: list[int]  # global ids of the bulk lots
    parent: np.ndarray
    child: np.ndarray
    qty: np.ndarray
    has_children: np.ndarray
    shipped: np.ndarray
    held: np.ndarray
    created: np.ndarray  # seconds after EPOCH
    stats: dict[str, Any] = field(default_factory=dict)


def _near(rng: np.random.Generator, t: np.ndarray, size: int, window: int) -> np.ndarray:
    """Indexes into a level of ``size`` lots close in time to ``t`` (0..1)."""
    idx = np.rint(t * (size - 1)).astype(np.int64) + rng.integers(-window, window + 1, t.shape[0])
    return np.clip(idx, 0, size - 1)


def build_history(n_lots: int, seed: int) -> History:
    rng = np.random.default_rng(seed)
    n_bulk = len(BULK_FANOUT)
    n_raw = max(RAW_PARTS, int(n_lots * RAW_SHARE))
    n_made = n_lots - n_raw - n_bulk
    if n_made < LEVELS * 10:
        raise SystemExit(
            f"--lots {n_lots} is too small: use at least {RAW_PARTS + n_bulk + LEVELS * 10 * 5}"
        )
    base, extra = divmod(n_made, LEVELS)
    made_size = [0] + [base + (1 if i < extra else 0) for i in range(LEVELS)]
    made_offset = [0] * (LEVELS + 1)
    next_id = n_raw + n_bulk
    for level in range(1, LEVELS + 1):
        made_offset[level] = next_id
        next_id += made_size[level]

    names = [f"R-{i:07d}" for i in range(n_raw)] + [f"BULK-{k + 1}" for k in range(n_bulk)]
    part = [f"PR-{i % RAW_PARTS:03d}" for i in range(n_raw)] + [
        f"PB-{k + 1}" for k in range(n_bulk)
    ]
    level = np.zeros(n_lots, dtype=np.int8)
    created = np.zeros(n_lots, dtype=np.int64)
    year = 365 * 86400
    created[:n_raw] = (np.arange(n_raw) / max(1, n_raw - 1) * year).astype(np.int64)
    parents: list[np.ndarray] = []
    children: list[np.ndarray] = []
    for lv in range(1, LEVELS + 1):
        size, off = made_size[lv], made_offset[lv]
        names += [f"M{lv:02d}-{j:07d}" for j in range(size)]
        part += [f"PM-{lv:02d}-{j % PARTS_PER_LEVEL}" for j in range(size)]
        level[off : off + size] = lv
        t = np.arange(size) / max(1, size - 1)
        created[off : off + size] = (t * year).astype(np.int64) + lv * 3 * 3600
        ids = off + np.arange(size)
        fan_in = rng.integers(3, 11, size)  # BOM of 3..10 components
        made = np.zeros(size, dtype=np.int64)
        if lv >= 2:
            made = 1 + (rng.random(size) < 0.25)
            below_size, below_off = made_size[lv - 1], made_offset[lv - 1]
            parents.append(below_off + _near(rng, t, below_size, MADE_WINDOW))
            children.append(ids)
            two = made == 2
            parents.append(below_off + _near(rng, t[two], below_size, MADE_WINDOW))
            children.append(ids[two])
        cross = np.zeros(size, dtype=bool)
        if lv >= 3:  # now and then a sub-assembly from further down: paths of different lengths
            cross = rng.random(size) < 0.10
            lower = rng.integers(1, lv - 1, int(cross.sum()))
            for low in np.unique(lower):
                pick = np.flatnonzero(cross)[lower == low]
                parents.append(made_offset[low] + _near(rng, t[pick], made_size[low], MADE_WINDOW))
                children.append(ids[pick])
        raw_count = fan_in - made - cross
        rep = np.repeat(np.arange(size), raw_count)
        parents.append(_near(rng, t[rep], n_raw, RAW_WINDOW))
        children.append(ids[rep])
    made_ids = np.arange(n_raw + n_bulk, n_lots)
    bulk_ids = list(range(n_raw, n_raw + n_bulk))
    for k, fanout in enumerate(BULK_FANOUT):
        count = max(10, min(len(made_ids), round(fanout * n_lots / 1_000_000)))
        taken = rng.choice(made_ids, count, replace=False)
        parents.append(np.full(count, bulk_ids[k], dtype=np.int64))
        children.append(taken)
    parent = np.concatenate(parents).astype(np.int64)
    child = np.concatenate(children).astype(np.int64)
    # One edge per (parent, child): a job records what it consumed per lot.
    key = np.unique(parent * n_lots + child)
    parent, child = key // n_lots, key % n_lots
    qty = np.round(rng.uniform(0.5, 20.0, parent.shape[0]), 3)
    has_children = np.zeros(n_lots, dtype=bool)
    has_children[parent] = True
    finished = ~has_children & (level >= 3)
    shipped = finished & (rng.random(n_lots) < 0.7)
    held = (rng.random(n_lots) < 0.005) & ~shipped
    history = History(
        n_lots=n_lots,
        names=names,
        level=level,
        part=part,
        made_offset=made_offset,
        made_size=made_size,
        n_raw=n_raw,
        bulk=bulk_ids,
        parent=parent,
        child=child,
        qty=qty,
        has_children=has_children,
        shipped=shipped,
        held=held,
        created=created,
    )
    history.stats = {
        "lots": n_lots,
        "edges": int(parent.shape[0]),
        "purchased": n_raw,
        "bulk": n_bulk,
        "made": n_made,
        "finished": int((~has_children & (level >= 1)).sum()),
        "shipped": int(shipped.sum()),
        "held": int(held.sum()),
    }
    return history


# --- rows for each table -------------------------------------------------------

Row = tuple[Any, ...]


def _ts(seconds: int) -> datetime:
    return EPOCH + timedelta(seconds=int(seconds))


def reference_data(h: History) -> list[SQLModel]:
    """Parts, suppliers, stations, routings: the small tables, through the ORM."""
    rows: list[SQLModel] = [
        m.Supplier(id=f"SUP-{i:02d}", name=f"Supplier {i}") for i in range(SUPPLIERS)
    ]
    rows += [
        m.Part(id=f"PR-{i:03d}", kind="purchased", supplier_id=f"SUP-{i % SUPPLIERS:02d}")
        for i in range(RAW_PARTS)
    ]
    rows += [
        m.Part(
            id=f"PB-{k + 1}", kind="purchased", description="bulk material", supplier_id="SUP-00"
        )
        for k in range(len(h.bulk))
    ]
    rows += [
        m.Station(
            id=f"ST-{i:02d}",
            name=f"Station {i}",
            devices=[{"name": f"GAUGE-{i:02d}", "kind": "gauge"}],
        )
        for i in range(STATIONS)
    ]
    rows += [
        m.Operator(badge=f"OP{i:03d}", name=f"Operator {i}", role="operator")
        for i in range(OPERATORS)
    ]
    rows += [m.DefectCode(code=f"DEF-B{i}", description=f"bench defect {i}") for i in range(1, 6)]
    for lv in range(1, LEVELS + 1):
        for p in range(PARTS_PER_LEVEL):
            pid = f"PM-{lv:02d}-{p}"
            rows.append(m.Part(id=pid, kind="made"))
    return rows


def routing_data() -> list[SQLModel]:
    rows: list[SQLModel] = []
    for lv in range(1, LEVELS + 1):
        for p in range(PARTS_PER_LEVEL):
            pid = f"PM-{lv:02d}-{p}"
            station = f"ST-{(lv * PARTS_PER_LEVEL + p) % STATIONS:02d}"
            rows.append(m.WorkOrder(number=f"WO-{pid}", product=pid, qty=1e6, status="in_progress"))
            rows.append(m.Operation(product=pid, seq=10, name=f"make {pid}", stations=[station]))
    return rows


def characteristic_data(engine: Engine) -> list[SQLModel]:
    with Session(engine) as s:
        ops = s.execute(select(m.Operation.id, m.Operation.product)).all()
    return [
        m.Characteristic(
            id=f"CH-{product}",
            operation_id=op_id,
            name=f"size of {product}",
            nominal=10.0,
            lsl=9.7,
            usl=10.3,
            unit="mm",
        )
        for op_id, product in ops
    ]


def _station(h: History, gid: int) -> str:
    lv = int(h.level[gid])
    return f"ST-{(lv * PARTS_PER_LEVEL + int(h.part[gid][-1])) % STATIONS:02d}"


def lot_rows(h: History) -> Iterator[Row]:
    for gid in range(h.n_lots):
        lv = int(h.level[gid])
        made = lv > 0
        if h.shipped[gid]:
            status, qty = "shipped", 0.0
        elif h.held[gid]:
            status, qty = "on_hold", 10.0
        elif made and h.has_children[gid]:
            status, qty = "consumed", 0.0
        else:
            status, qty = "available", 40.0
        initial = 100.0 if made else 1000.0
        if made:
            supplier = supplier_lot = None
            job = f"J{gid:08d}"
            station: str | None = _station(h, gid)
        else:
            supplier = f"SUP-{int(h.part[gid][3:]) % SUPPLIERS:02d}" if gid < h.n_raw else "SUP-00"
            supplier_lot = f"SL-{gid // 2:07d}" if gid < h.n_raw else f"BULK-SL-{gid - h.n_raw + 1}"
            job = station = None
        yield (
            h.names[gid],
            h.part[gid],
            qty,
            initial,
            status,
            supplier,
            supplier_lot,
            job,
            station,
            _ts(h.created[gid]),
            0,
        )


LOT_COLUMNS = (
    "id",
    "part",
    "qty",
    "initial_qty",
    "status",
    "supplier_id",
    "supplier_lot",
    "job_id",
    "station_id",
    "created_at",
    "rev",
)


def edge_rows(h: History) -> Iterator[Row]:
    names = h.names
    for p, c, q in zip(h.parent.tolist(), h.child.tolist(), h.qty.tolist(), strict=True):
        yield (names[p], names[c], q, "consume")


EDGE_COLUMNS = ("parent_lot", "child_lot", "qty", "kind")


def origin_rows(h: History) -> Iterator[Row]:
    for gid in range(h.n_raw + len(h.bulk)):
        yield (
            h.names[gid],
            "received",
            f"RCV-{gid:08d}",
            "ST-00",
            "OP000",
            _ts(h.created[gid]),
            f"PO-{gid // 20:06d}",
            "",
        )


ORIGIN_COLUMNS = (
    "lot",
    "kind",
    "event_id",
    "station_id",
    "operator_id",
    "occurred_at",
    "purchase_order",
    "note",
)


def job_rows(h: History) -> Iterator[Row]:
    for gid in range(h.n_raw + len(h.bulk), h.n_lots):
        start = _ts(h.created[gid] - 3600)
        yield (
            f"J{gid:08d}",
            f"WO-{h.part[gid]}",
            10,
            _station(h, gid),
            f"OP{gid % OPERATORS:03d}",
            "completed",
            start,
            start + timedelta(hours=1),
            h.names[gid],
            100.0,
            0.0,
        )


JOB_COLUMNS = (
    "id",
    "work_order",
    "operation_seq",
    "station_id",
    "operator_id",
    "status",
    "started_at",
    "ended_at",
    "output_lot",
    "good_qty",
    "scrap_qty",
)


def measurement_rows(h: History, seed: int) -> Iterator[Row]:
    rng = np.random.default_rng(seed + 1)
    first = h.n_raw + len(h.bulk)
    values = np.round(rng.normal(10.0, 0.1, (h.n_lots - first) * 2), 4).tolist()
    for i, gid in enumerate(range(first, h.n_lots)):
        station, at = _station(h, gid), _ts(h.created[gid] - 1800)
        for k in range(2):
            value = values[2 * i + k]
            verdict = "pass" if 9.7 <= value <= 10.3 else "fail"
            yield (
                f"E{gid:08d}-{k}",
                f"J{gid:08d}",
                f"CH-{h.part[gid]}",
                value,
                "mm",
                verdict,
                9.7,
                10.3,
                station,
                f"OP{gid % OPERATORS:03d}",
                None,
                "gauge",
                at,
            )


MEASUREMENT_COLUMNS = (
    "event_id",
    "job_id",
    "characteristic",
    "value",
    "unit",
    "verdict",
    "lsl",
    "usl",
    "station_id",
    "operator_id",
    "unit_serial",
    "source",
    "occurred_at",
)


def defect_rows(h: History) -> Iterator[Row]:
    for gid in range(h.n_raw + len(h.bulk), h.n_lots, 31):
        yield (
            f"D{gid:08d}",
            f"J{gid:08d}",
            f"DEF-B{gid % 5 + 1}",
            1.0,
            None,
            "",
            _station(h, gid),
            f"OP{gid % OPERATORS:03d}",
            _ts(h.created[gid] - 1200),
        )


DEFECT_COLUMNS = (
    "event_id",
    "job_id",
    "code",
    "qty",
    "lot",
    "note",
    "station_id",
    "operator_id",
    "occurred_at",
)


def hold_rows(h: History) -> Iterator[Row]:
    for gid in np.flatnonzero(h.held).tolist():
        yield (
            f"H{gid:08d}",
            "lot",
            h.names[gid],
            "bench hold: suspect",
            "manual",
            "open",
            "OP001",
            _ts(h.created[gid] + 7200),
            None,
            None,
            f"NCR-{gid:07d}",
            None,
            0,
        )


HOLD_COLUMNS = (
    "id",
    "target_type",
    "target",
    "reason",
    "source",
    "status",
    "placed_by",
    "placed_at",
    "released_by",
    "released_at",
    "ncr",
    "event_id",
    "rev",
)


def shipment_rows(h: History) -> Iterator[Row]:
    for gid in np.flatnonzero(h.shipped).tolist():
        yield (
            f"S{gid:08d}",
            h.names[gid],
            100.0,
            f"CUST-{gid % CUSTOMERS:03d}",
            f"SO-{gid // 40:07d}",
            f"DN-{gid:08d}",
            "ST-19",
            "OP002",
            _ts(h.created[gid] + 86400),
            0,
        )


SHIPMENT_COLUMNS = (
    "event_id",
    "lot",
    "qty",
    "customer",
    "customer_order",
    "delivery_note",
    "station_id",
    "operator_id",
    "shipped_at",
    "rev",
)


def tables(h: History, seed: int) -> list[tuple[str, Sequence[str], Callable[[], Iterator[Row]]]]:
    return [
        ("lot", LOT_COLUMNS, lambda: lot_rows(h)),
        ("genealogy_edge", EDGE_COLUMNS, lambda: edge_rows(h)),
        ("lot_origin", ORIGIN_COLUMNS, lambda: origin_rows(h)),
        ("job", JOB_COLUMNS, lambda: job_rows(h)),
        ("measurement", MEASUREMENT_COLUMNS, lambda: measurement_rows(h, seed)),
        ("defect", DEFECT_COLUMNS, lambda: defect_rows(h)),
        ("hold", HOLD_COLUMNS, lambda: hold_rows(h)),
        ("shipment", SHIPMENT_COLUMNS, lambda: shipment_rows(h)),
    ]


def _fill_required(table: str, columns: Sequence[str]) -> tuple[tuple[str, ...], Row]:
    """Columns added to a table later that must not be NULL get their model default."""
    extra_cols: list[str] = []
    extra_vals: list[Any] = []
    for col in SQLModel.metadata.tables[table].columns:
        if col.name in columns or col.nullable or col.primary_key or col.server_default is not None:
            continue
        default = col.default
        if default is None:
            raise SystemExit(
                f"table {table} has a required column {col.name} this benchmark does not fill"
            )
        value = (
            default.arg(None)
            if getattr(default, "is_callable", False)
            else getattr(default, "arg", None)
        )
        extra_cols.append(col.name)
        extra_vals.append(value)
    return tuple(columns) + tuple(extra_cols), tuple(extra_vals)


# --- loading -------------------------------------------------------------------


def _pg_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def load_postgresql(url: str, h: History, seed: int) -> dict[str, float]:
    import psycopg

    engine = make_engine(url)
    upgrade(engine)
    _reference(engine, h)
    engine.dispose()
    timings: dict[str, float] = {}
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
            "AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (list(BIG_TABLES),),
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute("SET session_replication_role = replica")  # bulk load: skip FK triggers
        conn.execute("SET maintenance_work_mem = '512MB'")
        for table, columns, rows in tables(h, seed):
            started = time.perf_counter()
            cols, extra = _fill_required(table, columns)
            with (
                conn.cursor() as cur,
                cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy,
            ):
                buf = io.StringIO()
                count = 0
                for row in rows():
                    buf.write("\t".join(_pg_text(v) for v in row + extra))
                    buf.write("\n")
                    count += 1
                    if count % 100_000 == 0:
                        copy.write(buf.getvalue())
                        buf = io.StringIO()
                copy.write(buf.getvalue())
            timings[f"copy {table}"] = time.perf_counter() - started
        started = time.perf_counter()
        for _, definition in indexes:
            conn.execute(definition)
        timings["indexes"] = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute("SET session_replication_role = origin")
        for table in BIG_TABLES:
            conn.execute(
                f"VACUUM (ANALYZE) {table}"
            )  # statistics, and the visibility map for index-only scans
        timings["vacuum analyze"] = time.perf_counter() - started
    return timings


def load_sqlite(path: Path, h: History, seed: int) -> dict[str, float]:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    _reference(engine, h)
    engine.dispose()
    timings: dict[str, float] = {}
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -1000000")
        placeholders = ",".join("?" * len(BIG_TABLES))
        indexes = conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({placeholders})",
            BIG_TABLES,
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        for table, columns, rows in tables(h, seed):
            started = time.perf_counter()
            cols, extra = _fill_required(table, columns)
            conn.execute("BEGIN")
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                (tuple(_sqlite_value(v) for v in row + extra) for row in rows()),
            )
            conn.execute("COMMIT")
            timings[f"insert {table}"] = time.perf_counter() - started
        started = time.perf_counter()
        for _, definition in indexes:
            conn.execute(definition)
        timings["indexes"] = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute("ANALYZE")
        timings["analyze"] = time.perf_counter() - started
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()
    return timings


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # the text form SQLAlchemy writes and reads back
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _reference(engine: Engine, h: History) -> None:
    with Session(engine) as s:
        rows = reference_data(h)
        for kind in (
            m.Supplier,
            m.Part,
            m.Station,
            m.Operator,
            m.DefectCode,
        ):  # parents before children
            s.add_all([r for r in rows if isinstance(r, kind)])
            s.flush()
        s.add_all(routing_data())
        s.commit()
    with Session(engine) as s:
        s.add_all(characteristic_data(engine))
        s.commit()


# --- measuring -------------------------------------------------------------------


def naive_trace(engine: Engine, lot: str, direction: str, enrich: bool = False) -> dict[str, int]:
    """The way incumbents do it: one level at a time, edges and lots loaded as ORM objects.

    With ``enrich`` each level also loads, through the ORM, what the trace shows on
    its nodes: the jobs that made the lots, their measurements and defects, holds
    and shipments.
    """
    this, other = (
        (m.GenealogyEdge.child_lot, "parent_lot")
        if direction == "backward"
        else (m.GenealogyEdge.parent_lot, "child_lot")
    )
    seen = {lot: 0}
    frontier = [lot]
    depth = 0
    with Session(engine) as session:
        _naive_nodes(session, frontier, enrich)
        while frontier:
            depth += 1
            found: list[str] = []
            for chunk in _chunks(frontier, 5000):
                for edge in session.execute(
                    select(m.GenealogyEdge).where(this.in_(chunk))
                ).scalars():  # type: ignore[attr-defined]
                    nxt = getattr(edge, other)
                    if nxt not in seen:
                        seen[nxt] = depth
                        found.append(nxt)
            _naive_nodes(session, found, enrich)
            frontier = found
    return seen


def _naive_nodes(session: Session, lots: list[str], enrich: bool) -> None:
    from server.models_genealogy import Shipment

    for chunk in _chunks(lots, 5000):
        rows = session.execute(select(m.Lot).where(m.Lot.id.in_(chunk))).scalars().all()  # type: ignore[attr-defined]
        if not enrich:
            continue
        jobs = [r.job_id for r in rows if r.job_id]
        session.execute(select(m.Job).where(m.Job.id.in_(jobs))).scalars().all()  # type: ignore[attr-defined]
        session.execute(select(m.Measurement).where(m.Measurement.job_id.in_(jobs))).scalars().all()  # type: ignore[attr-defined]
        session.execute(select(m.Defect).where(m.Defect.job_id.in_(jobs))).scalars().all()  # type: ignore[attr-defined]
        session.execute(select(m.Hold).where(m.Hold.target.in_(chunk))).scalars().all()  # type: ignore[attr-defined]
        session.execute(select(Shipment).where(Shipment.lot.in_(chunk))).scalars().all()  # type: ignore[attr-defined]


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass
class Figures:
    case: str
    ms: list[float]
    nodes: list[int]
    closure_ms: list[float] = field(default_factory=list)  # the walk alone (lot ids)
    naive_walk_ms: list[float] = field(default_factory=list)  # naive: edges and lots
    naive_ms: list[float] = field(
        default_factory=list
    )  # naive: edges, lots and what the trace shows


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return (time.perf_counter() - started) * 1000, out


def samples(h: History, n: int, seed: int) -> dict[str, tuple[str, list[str]]]:
    rng = np.random.default_rng(seed + 2)
    finished = ~h.has_children

    def pick(mask: np.ndarray) -> list[str]:
        ids = np.flatnonzero(mask)
        chosen = rng.choice(ids, min(n, ids.shape[0]), replace=False) if ids.shape[0] else []
        return [h.names[int(i)] for i in chosen]

    purchased = np.zeros(h.n_lots, dtype=bool)
    purchased[: h.n_raw] = True
    return {
        "finished lot, level 12, backward": ("backward", pick(finished & (h.level == 12))),
        "finished lot, level 8, backward": ("backward", pick(finished & (h.level == 8))),
        "finished lot, level 4, backward": ("backward", pick(finished & (h.level == 4))),
        "purchased lot, forward": ("forward", pick(purchased & h.has_children)),
        "level-1 lot, forward": ("forward", pick(h.level == 1)),
    }


def measure(engine: Engine, h: History, n: int, naive_n: int, seed: int) -> list[Figures]:
    cases = samples(h, n, seed)
    for direction, lots in cases.values():  # warm the caches the way a running server has them
        for lot in lots[:10]:
            trace(engine, lot, direction)  # type: ignore[arg-type]
    out = []
    # Each kind of run on its own, so the garbage of one does not land in the timings of another.
    for case, (direction, lots) in cases.items():
        fig = Figures(case, [], [])
        for lot in lots:
            ms, result = timed(partial(trace, engine, lot, direction))
            fig.ms.append(ms)
            fig.nodes.append(result.total)
        out.append(fig)
    gc.collect()
    for fig, (direction, lots) in zip(out, cases.values(), strict=True):
        for lot in lots:
            walk = partial(reachable, engine, [lot], direction, lots_only=False)
            fig.closure_ms.append(timed(walk)[0])
    gc.collect()
    for fig, (direction, lots) in zip(out, cases.values(), strict=True):
        for lot in lots[:naive_n]:
            fig.naive_walk_ms.append(timed(partial(naive_trace, engine, lot, direction))[0])
            gc.collect()
            fig.naive_ms.append(timed(partial(naive_trace, engine, lot, direction, True))[0])
            gc.collect()
    # Recall scope of an ordinary supplier lot (two receipts of it), and of the bulk ones.
    recall = Figures("supplier lot, recall scope", [], [])
    rng = np.random.default_rng(seed + 3)
    supplier_lots = sorted({f"SL-{int(i) // 2:07d}" for i in rng.choice(h.n_raw, n, replace=False)})
    for supplier_lot in supplier_lots:
        ms, scope = timed(partial(recall_scope, engine, supplier_lot))
        recall.ms.append(ms)
        recall.nodes.append(scope.lots_total)
    for supplier_lot in supplier_lots[:naive_n]:
        sources = [s.lot for s in recall_scope(engine, supplier_lot, limit=10).sources]
        gc.collect()
        recall.naive_ms.append(timed(partial(_naive_recall, engine, sources))[0])
    bulk_trace = Figures(f"bulk lot, forward (walk limit {MAX_WALK:,})", [], [])
    bulk_recall = Figures("bulk supplier lot, recall scope", [], [])
    for gid in h.bulk:
        lot = h.names[gid]
        ms, result = timed(partial(trace, engine, lot, "forward"))
        bulk_trace.ms.append(ms)
        bulk_trace.nodes.append(result.total)
        walk = partial(reachable, engine, [lot], "forward", lots_only=False)
        bulk_trace.closure_ms.append(timed(walk)[0])
        ms, scope = timed(partial(recall_scope, engine, f"BULK-SL-{gid - h.n_raw + 1}"))
        bulk_recall.ms.append(ms)
        bulk_recall.nodes.append(scope.lots_total)
    for gid in h.bulk[: max(1, min(len(h.bulk), naive_n // 10))]:
        gc.collect()
        ms, _ = timed(partial(naive_trace, engine, h.names[gid], "forward"))
        bulk_trace.naive_walk_ms.append(ms)
        # A recall scope is the lots and where they are: the naive walk loads as much.
        bulk_recall.naive_ms.append(ms)
    return [*out, recall, bulk_trace, bulk_recall]


def _naive_recall(engine: Engine, lots: list[str]) -> None:
    for lot in lots:
        naive_trace(engine, lot, "forward")


def report(name: str, figures: list[Figures]) -> None:
    print(
        f"\n{name}: milliseconds. trace = walk + every node enriched (up to 1000 nodes); "
        "walk = the recursive CTE alone;\n  naive = through the ORM one level at a time: "
        "walk = edges + lots, full = also jobs, "
        "measurements, defects, holds, shipments"
    )
    print(
        f"  {'case':38} {'n':>4} {'nodes p50':>9} {'max':>7} | "
        f"{'trace p50':>9} {'p95':>6} {'p99':>6} | "
        f"{'naive full p50':>14} {'p95':>6} {'ratio':>6} | "
        f"{'walk p50':>8} {'p95':>6} | {'naive walk p50':>14} "
        f"{'ratio':>6}"
    )
    for f in figures:
        full = pct(f.naive_ms, 50) / pct(f.ms, 50) if f.naive_ms else float("nan")
        walk = (
            pct(f.naive_walk_ms, 50) / pct(f.closure_ms, 50)
            if f.naive_walk_ms and f.closure_ms
            else float("nan")
        )
        print(
            f"  {f.case:38} {len(f.ms):4d} {statistics.median(f.nodes) if f.nodes else 0:9.0f} "
            f"{max(f.nodes) if f.nodes else 0:7d} | "
            f"{pct(f.ms, 50):9.1f} {pct(f.ms, 95):6.1f} {pct(f.ms, 99):6.1f} | "
            f"{pct(f.naive_ms, 50):14.1f} {pct(f.naive_ms, 95):6.1f} {full:5.1f}x | "
            f"{pct(f.closure_ms, 50):8.1f} {pct(f.closure_ms, 95):6.1f} | "
            f"{pct(f.naive_walk_ms, 50):14.1f} {walk:5.1f}x"
        )


def explain(engine: Engine, h: History, seed: int) -> None:
    from server.trace.query import _trace_sql

    lot = samples(h, 1, seed)["finished lot, level 12, backward"][1][0]
    params = {"root": lot, "cap": 100, "limit": 1000, "offset": 0, "with_customers": 0,
              "budget": MAX_WALK + 1, "links": 200}  # fmt: skip
    sql = _trace_sql("backward", engine.dialect.name == "postgresql").element.text
    with engine.connect() as conn:
        tune_for_traces(conn)
        if engine.dialect.name == "postgresql":
            rows = conn.execute(
                text("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql), params
            ).scalars()
        else:
            rows = (
                " ".join(str(c) for c in r)
                for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql), params)
            )
        print(f"\nplan of a backward trace of {lot} ({engine.dialect.name}):")
        for row in rows:
            print("  " + str(row))


# --- main ------------------------------------------------------------------------


def run(
    name: str,
    url: str,
    load: Callable[[], dict[str, float]] | None,
    h: History,
    args: argparse.Namespace,
) -> None:
    if load is not None:
        started = time.perf_counter()
        timings = load()
        total = time.perf_counter() - started
        steps = ", ".join(f"{k} {v:.1f}" for k, v in timings.items())
        print(f"\n{name}: loaded in {total:.1f} s ({steps})")
    engine = make_engine(url)
    try:
        load_before = os.getloadavg()[0]
        figures = measure(engine, h, args.samples, args.naive_samples, args.seed)
        report(name, figures)
        # Other work on the machine shows in the tails: say how busy it was.
        print(
            f"  load average (1 min) before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f}"
        )
        if args.explain:
            explain(engine, h, args.seed)
    finally:
        engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--lots",
        type=int,
        default=1_000_000,
        help="lots in the synthetic plant (default 1,000,000)",
    )
    ap.add_argument("--samples", type=int, default=100, help="lots timed per case (default 100)")
    ap.add_argument(
        "--naive-samples", type=int, default=30, help="of those, timed naively too (default 30)"
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--pg",
        default=os.environ.get(
            "LINESIDE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    ap.add_argument("--pg-database", default="lineside_bench")
    ap.add_argument("--sqlite-path", default="/tmp/lineside_bench.db")
    ap.add_argument("--only", choices=["sqlite", "postgresql"])
    ap.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="measure databases kept by an earlier run (same --lots)",
    )
    ap.add_argument("--explain", action="store_true", help="print the plan of a backward trace")
    args = ap.parse_args()

    started = time.perf_counter()
    h = build_history(args.lots, args.seed)
    gc.freeze()  # the history is read-only from here: keep it out of the collector's way
    print(
        f"lineside genealogy benchmark: built history in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{v:,} {k}" for k, v in h.stats.items())
    )
    print(
        f"  BOMs of 3-10 components, {LEVELS} levels; bulk lots go into "
        f"{', '.join(str(max(10, round(f * args.lots / 1_000_000))) for f in BULK_FANOUT)} lots"
    )
    if args.only in (None, "postgresql"):
        admin = make_engine(args.pg, isolation_level="AUTOCOMMIT")
        url = make_url(args.pg).set(database=args.pg_database).render_as_string(hide_password=False)
        if not args.reuse:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{args.pg_database}"'))
        try:
            run(
                "postgresql",
                url,
                None if args.reuse else (lambda: load_postgresql(url, h, args.seed)),
                h,
                args,
            )
        finally:
            if not args.keep:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)'))
            admin.dispose()
    if args.only in (None, "sqlite"):
        path = Path(args.sqlite_path)
        try:
            run(
                "sqlite",
                f"sqlite:///{path}",
                None if args.reuse else (lambda: load_sqlite(path, h, args.seed)),
                h,
                args,
            )
        finally:
            if not args.keep:
                for suffix in ("", "-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
