"""Traceability: backward and forward traces, and sets of lots, over the genealogy edges.

The walk is a recursive CTE over the indexed ``genealogy_edge`` table, run by
the database, never a walk in Python. A trace is one statement: the walk, one
page of its lots, and set-based lookups that enrich every lot of the page at
once (facts, measurements, defects, holds, shipments, links), answered as
tagged rows in a single round trip.

Cycles (bad data: a lot that contains itself) cannot stop a walk: walks that
only collect lots use ``UNION`` over lot ids, which ends on a cycle; walks that
also count depth stop at the depth cap and are then checked, and a trace
through a cycle raises ``GenealogyCycle`` naming the lots on it.
"""

from __future__ import annotations

import functools
import json
import operator
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Literal

from sqlalchemy import DateTime, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.selectable import TextualSelect
from sqlmodel import Session

from core.trace_result import (  # the server's public names too
    CustomerShipment,
    DefectSummary,
    Direction,
    HoldInfo,
    Link,
    MeasurementSummary,
    ShipmentInfo,
    TraceNode,
    TraceResult,
)
from server.db import as_utc
from server.genealogy import (
    Db,
    DirectionError,
    Ids,
    closure_sql,
    downstream_lots,
    reachable,
    tune_for_traces,
    upstream_lots,
)
from server.genealogy import check_direction as _checked
from server.genealogy import rows as _rows

__all__ = ["downstream_lots", "reachable", "tune_for_traces", "upstream_lots"]


MAX_DEPTH = 100  # no plant's genealogy is this deep; a walk that gets there has met a cycle
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10000
LINKS_PER_NODE = 200
MAX_WALK = 100_000  # rows a trace walks at most (lots x the depths they are met at)
_TS = "TIMESTAMP WITH TIME ZONE"
_CYCLE_SEARCH_EDGES = 500_000  # diagnosing a cycle loads at most this many edges


# --- errors -----------------------------------------------------------------


class TraceError(ValueError):
    """A trace cannot be given; the message is for people."""


def _check_direction(direction: str) -> tuple[str, str]:
    try:
        return _checked(direction)
    except DirectionError as exc:
        raise TraceError(str(exc)) from None


class UnknownLot(TraceError):
    pass


class GenealogyCycle(TraceError):
    """The edges reachable from a lot form a cycle: the data is wrong, not the trace."""

    def __init__(self, message: str, cycle: list[str]) -> None:
        super().__init__(message)
        self.cycle = cycle


# --- the trace --------------------------------------------------------------


# Every row of the trace statement has these columns; each kind of row (its ``tag``) fills
# some and leaves the rest NULL, cast so that both databases agree on the column types.
_TEXT = "VARCHAR(500)"
_FLOAT = "DOUBLE PRECISION"
_COLUMNS: tuple[tuple[str, str], ...] = (
    *[(name, "INTEGER") for name in ("n", "w", "operation")],
    *[(name, _FLOAT) for name in ("q", "q2", "qty", "initial_qty")],
    *[(name, _TS) for name in ("created_at", "started_at", "ended_at", "t1", "t2")],
    *[
        (name, _TEXT)
        for name in (
            "tag", "a", "b", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "kind", "part", "status",
            "in_lot", "supplier", "supplier_lot", "job_id", "origin", "purchase_order", "note",
            "work_order", "station", "operator",
        )
    ],
)  # fmt: skip
_TIMESTAMPS = ("created_at", "started_at", "ended_at", "t1", "t2")
_INDEX = {name: i for i, (name, _) in enumerate(_COLUMNS)}
_TAG = _INDEX["tag"]
# Which columns each kind of row carries, in the order ``_Page.add`` unpacks them.
_GET = {
    tag: operator.itemgetter(*(_INDEX[name] for name in names))
    for tag, names in {
        "n": ("a", "n", "kind", "part", "qty", "initial_qty", "status", "in_lot", "supplier",
              "supplier_lot", "job_id", "origin", "purchase_order", "note", "work_order",
              "operation", "station", "operator", "created_at", "started_at", "ended_at"),
        "l": ("a", "b", "q", "c1", "n"),
        "m": ("a", "c1", "c2", "c3", "n", "w", "q", "q2"),
        "r": ("c1", "a", "n", "c2"),
        "d": ("a", "c1", "q", "n"),
        "h": ("a", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "t1", "t2"),
        "s": ("a", "b", "n", "q", "c1", "c2", "c3", "t1"),
        "t": ("n", "q", "w"),
        "c": ("c1", "c2", "n", "q"),
    }.items()
}  # fmt: skip


def _select(values: dict[str, str], rest: str) -> str:
    """One branch of the trace statement: ``values`` by column name, NULL for the others."""
    unknown = set(values) - {name for name, _ in _COLUMNS}
    assert not unknown, unknown
    columns = ", ".join(
        f"{values.get(name) or f'CAST(NULL AS {sqltype})'} AS {name}" for name, sqltype in _COLUMNS
    )
    return f"SELECT {columns}\n{rest}"


# What each node of the page is: a lot, or a serial (which shows the job of its lot).
_NODES = """
        nodes AS MATERIALIZED (
            SELECT p.lot, p.depth,
                   CASE WHEN l.id IS NOT NULL THEN 'lot'
                        WHEN u.serial IS NOT NULL THEN 'serial' ELSE 'unknown' END AS kind,
                   COALESCE(l.part, u.part) AS part,
                   CASE WHEN l.id IS NULL AND u.serial IS NOT NULL THEN 1.0 ELSE l.qty END AS qty,
                   CASE WHEN l.id IS NULL AND u.serial IS NOT NULL THEN 1.0 ELSE l.initial_qty END
                       AS initial_qty,
                   COALESCE(l.status, u.status) AS status, u.lot AS in_lot, u.shipment_id,
                   COALESCE(l.supplier_id, ul.supplier_id) AS supplier,
                   COALESCE(l.supplier_lot, ul.supplier_lot) AS supplier_lot,
                   COALESCE(l.job_id, ul.job_id) AS job_id, l.job_id AS own_job,
                   o.kind AS origin, o.purchase_order, o.note,
                   j.work_order, j.operation_seq, j.started_at, j.ended_at,
                   COALESCE(j.station_id, l.station_id) AS station,
                   COALESCE(j.operator_id, o.operator_id) AS operator,
                   COALESCE(l.created_at, u.created_at) AS created_at
            FROM page p
            LEFT JOIN lot l ON l.id = p.lot
            LEFT JOIN serial_unit u ON u.serial = p.lot
            LEFT JOIN lot ul ON ul.id = u.lot
            LEFT JOIN lot_origin o ON o.lot = l.id
            LEFT JOIN job j ON j.id = COALESCE(l.job_id, ul.job_id)
        )"""


@functools.lru_cache(maxsize=8)
def _trace_sql(direction: str, postgres: bool) -> TextualSelect:
    """The whole trace in one statement: the walk runs once, every answer is a tagged row.

    n = a node of the page; r = names of the parts, suppliers, operations, stations and
    operators the nodes refer to (each once); t = totals; e = the root exists; x = links cut
    at the depth limit; c = customers reached; m = measurements; d = defects; h = holds;
    s = shipments; l = links. Everything about the nodes is looked up from ``page`` (at
    most ``:limit`` lots) through primary keys and indexes.
    """
    this, other = _check_direction(direction)
    # The walk stops after :budget rows. Both databases walk breadth first, so what a
    # stopped walk holds is every lot up to some depth and part of the next level.
    # SQLite takes LIMIT inside the recursive CTE; PostgreSQL stops a recursive CTE
    # as soon as the query reading it has enough rows.
    inner_limit, walked = ("", "(SELECT lot, depth FROM walk LIMIT :budget) w")
    if not postgres:
        inner_limit, walked = "LIMIT :budget", "walk"
    measured = {
        "a": "nd.lot",
        "c1": "m.characteristic",
        "c3": "m.unit",
        "n": "COUNT(*)",
        "w": "SUM(CASE WHEN m.verdict = 'fail' THEN 1 ELSE 0 END)",
        "q": "MIN(m.value)",
        "q2": "MAX(m.value)",
    }
    per_char = "GROUP BY nd.lot, m.characteristic, m.unit"
    # CROSS JOIN fixes the join order on SQLite (each lot of the page, then an index probe);
    # PostgreSQL plans it like any join.
    of_measurements = (
        "FROM nodes nd CROSS JOIN measurement m "
        "LEFT JOIN characteristic ch ON ch.id = m.characteristic"
    )

    def by(index: str) -> str:
        # Most measurements name no serial and most defects no lot: SQLite's statistics
        # then call these indexes useless, when for one id they find next to nothing.
        return "" if postgres else f"INDEXED BY {index}"

    of_serial_measurements = of_measurements.replace(
        "measurement m", f"measurement m {by('ix_measurement_unit_serial')}"
    )
    defects = {"tag": "'d'", "a": "nd.lot", "c1": "d.code", "q": "SUM(d.qty)", "n": "COUNT(*)"}
    shipped = {
        "tag": "'s'",
        "a": "nd.lot",
        "b": "s.lot",
        "n": "s.id",
        "q": "s.qty",
        "c1": "s.customer",
        "c2": "s.customer_order",
        "c3": "s.delivery_note",
        "t1": "s.shipped_at",
    }

    def names(kind: str, key: str, value: str, rest: str) -> str:
        return _select({"tag": "'r'", "c1": f"'{kind}'", "a": key, "c2": value}, rest)

    branches = [
        _select(
            {
                "tag": "'n'", "a": "lot", "n": "depth", "kind": "kind", "part": "part",
                "qty": "qty", "initial_qty": "initial_qty", "status": "status", "in_lot": "in_lot",
                "supplier": "supplier", "supplier_lot": "supplier_lot", "job_id": "job_id",
                "origin": "origin", "purchase_order": "purchase_order", "note": "note",
                "work_order": "work_order", "operation": "operation_seq", "station": "station",
                "operator": "operator", "created_at": "created_at", "started_at": "started_at",
                "ended_at": "ended_at",
            },
            "FROM nodes",
        ),
        names("part", "pt.id", "pt.description",
              "FROM part pt WHERE pt.id IN (SELECT part FROM nodes)"),
        names("supplier", "sp.id", "sp.name",
              "FROM supplier sp WHERE sp.id IN (SELECT supplier FROM nodes)"),
        names("operator", "op.badge", "op.name",
              "FROM operator op WHERE op.badge IN (SELECT operator FROM nodes)"),
        names("station", "st.id", "CAST(st.devices AS TEXT)",
              "FROM station st WHERE st.id IN (SELECT station FROM nodes)"),
        _select(
            {"tag": "'r'", "c1": "'operation'", "a": "wo.number", "n": "op.seq", "c2": "op.name"},
            "FROM work_order wo JOIN operation op ON op.product = wo.product "
            "WHERE wo.number IN (SELECT work_order FROM nodes)",
        ),
        _select({"tag": "'t'", "n": "COUNT(*)", "q": "MAX(walked)", "w": "SUM(seen)"},
                "FROM reach"),
        _select(
            {"tag": "'e'", "n": "(SELECT COUNT(*) FROM lot WHERE id = :root) "
                                "+ (SELECT COUNT(*) FROM serial_unit WHERE serial = :root)"},
            "",
        ),
        _select(
            {"tag": "'x'", "n": "COUNT(*)"},
            f"FROM reach r CROSS JOIN genealogy_edge e WHERE e.{this} = r.lot AND r.depth = :cap",
        ),
        _select(
            {"tag": "'c'", "c1": "s.customer", "c2": "s.customer_order",
             "n": "COUNT(DISTINCT s.lot)", "q": "SUM(s.qty)"},
            "FROM reach r CROSS JOIN shipment s WHERE s.lot = r.lot AND :with_customers = 1 "
            "GROUP BY s.customer, s.customer_order",
        ),
        # A lot shows the measurements of the job that made it; a serial its own.
        _select({**measured, "tag": "'m'", "c2": "MAX(ch.name)"},
                f"{of_measurements} WHERE m.job_id = nd.own_job {per_char}"),
        _select({**measured, "tag": "'m'", "c2": "MAX(ch.name)"},
                f"{of_serial_measurements} WHERE m.unit_serial = nd.lot {per_char}"),
        # Defects flagged against a lot by name, and the other defects of the job that made it.
        _select(defects, f"FROM nodes nd CROSS JOIN defect d {by('ix_defect_lot')} "
                         "WHERE d.lot = nd.lot GROUP BY nd.lot, d.code"),
        _select(defects, "FROM nodes nd CROSS JOIN defect d "
                         "WHERE d.job_id = nd.own_job AND d.lot IS NULL "
                         "GROUP BY nd.lot, d.code"),
        _select(
            {"tag": "'h'", "a": "nd.lot", "c1": "h.id", "c2": "h.target_type", "c3": "h.status",
             "c4": "h.reason", "c5": "h.source", "c6": "h.placed_by", "c7": "h.ncr",
             "t1": "h.placed_at", "t2": "h.released_at"},
            # A unit hold names a serial, a lot hold a lot.
            "FROM nodes nd CROSS JOIN hold h WHERE h.target = nd.lot AND h.target_type = "
            "CASE WHEN nd.kind = 'serial' THEN 'unit' ELSE 'lot' END",
        ),
        _select(shipped, "FROM nodes nd CROSS JOIN shipment s "
                         "WHERE s.lot = nd.lot AND nd.kind = 'lot'"),
        _select(shipped, "FROM nodes nd CROSS JOIN shipment s WHERE s.id = nd.shipment_id"),
        _select(
            {"tag": "'l'", "a": "this_lot", "b": "other_lot", "q": "qty", "c1": "kind",
             "n": "total"},
            f"""FROM (
                SELECT e.{this} AS this_lot, e.{other} AS other_lot, e.qty AS qty, e.kind AS kind,
                       ROW_NUMBER() OVER (PARTITION BY e.{this} ORDER BY e.{other}, e.id) AS rn,
                       COUNT(*) OVER (PARTITION BY e.{this}) AS total
                FROM page p CROSS JOIN genealogy_edge e WHERE e.{this} = p.lot
            ) ranked WHERE rn <= :links""",
        ),
    ]  # fmt: skip
    sql = f"""
        WITH RECURSIVE walk(lot, depth) AS (
            SELECT CAST(:root AS VARCHAR(80)), 0
            UNION
            SELECT e.{other}, w.depth + 1
            FROM walk w JOIN genealogy_edge e ON e.{this} = w.lot
            WHERE w.depth < :cap
            {inner_limit}
        ),
        reach AS MATERIALIZED (
            SELECT lot, MIN(depth) AS depth, MAX(depth) AS walked, COUNT(*) AS seen
            FROM {walked} GROUP BY lot
        ),
        page AS MATERIALIZED (
            SELECT lot, depth FROM reach ORDER BY depth, lot LIMIT :limit OFFSET :offset
        ),{_NODES}
        {" UNION ALL ".join(branches)}
    """
    return text(sql).columns(**{name: DateTime(timezone=True) for name in _TIMESTAMPS})


def trace(
    db: Db,
    lot: str,
    direction: Direction = "backward",
    depth: int | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
    *,
    walk_limit: int = MAX_WALK,
) -> TraceResult:
    """Trace ``lot`` (or a serial) ``backward`` (what went into it) or ``forward`` (where it went).

    Nodes are every lot within ``depth`` edges (all of them when ``None``),
    each at its shortest distance; one page of ``limit`` nodes from ``offset``
    is returned, enriched. Given an engine, the trace runs in its own transaction
    with planner settings for traces (``tune_for_traces``); given a session or
    connection it runs in the caller's. A walk that meets more than ``walk_limit`` lots
    (counting a lot once per depth it is met at) stops there, breadth first,
    and says so with ``complete=False``. Raises
    ``UnknownLot``, ``GenealogyCycle`` or ``TraceError`` (bad arguments) with a
    message for people.
    """
    _check_direction(direction)
    if depth is not None and not 0 <= depth <= MAX_DEPTH:
        raise TraceError(f"depth must be between 0 and {MAX_DEPTH}, not {depth}")
    if not 1 <= limit <= MAX_LIMIT:
        raise TraceError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    if offset < 0:
        raise TraceError(f"offset must be 0 or more, not {offset}")
    if walk_limit < 1:
        raise TraceError(f"walk_limit must be 1 or more, not {walk_limit}")
    if isinstance(db, Engine):
        with Session(db) as session:
            tune_for_traces(session)
            return _trace(session, lot, direction, depth, limit, offset, walk_limit)
    return _trace(db, lot, direction, depth, limit, offset, walk_limit)


def _trace(
    db: Session | Connection,
    lot: str,
    direction: Direction,
    depth: int | None,
    limit: int,
    offset: int,
    walk_limit: int,
) -> TraceResult:
    cap = MAX_DEPTH if depth is None else depth
    params = {
        "root": lot,
        "cap": cap,
        "limit": limit,
        "offset": offset,
        "budget": walk_limit + 1,
        "links": LINKS_PER_NODE,
        "with_customers": 1 if direction == "forward" else 0,
    }
    page = _Page()
    for row in _rows(db, _trace_sql(direction, Ids(db).pg), params):
        page.add(row)
    if not page.exists:
        raise UnknownLot(f"lot or serial {lot} does not exist")
    complete = page.walk_rows <= walk_limit  # the walk may take one row more, to know it stopped
    # A walk longer than the number of distinct lots it met went round a cycle.
    if page.deepest >= page.total or (complete and depth is None and page.deepest >= MAX_DEPTH):
        _raise_cycle(db, lot, direction, page.total)
    return TraceResult(
        root=lot,
        direction=direction,
        depth_limit=depth,
        total=page.total,
        offset=offset,
        limit=limit,
        deepest=min(page.deepest, cap),
        cut_links=page.cut_links if depth is not None else 0,
        complete=complete,
        customers=sorted(page.customers, key=lambda c: (c.customer, c.customer_order)),
        lots=page.nodes(cut_at=depth),
    )


class _Page:
    """Collects the tagged rows of the trace statement into nodes."""

    def __init__(self) -> None:
        self.total = self.deepest = self.cut_links = self.exists = self.walk_rows = 0
        self.customers: list[CustomerShipment] = []
        self.facts: dict[str, dict[str, Any]] = {}
        self.measurements: dict[str, list[MeasurementSummary]] = defaultdict(list)
        self.defects: dict[str, dict[str, list[float]]] = defaultdict(dict)
        self.holds: dict[str, list[HoldInfo]] = defaultdict(list)
        self.shipments: dict[str, dict[int, ShipmentInfo]] = defaultdict(dict)
        self.links: dict[str, list[Link]] = defaultdict(list)
        self.link_totals: dict[str, int] = {}
        self.names: dict[tuple[str, Any], str | None] = {}  # (kind, key) -> name

    def add(self, row: Any) -> None:
        tag = row[_TAG]
        if tag == "n":
            (lot, depth, kind, part, qty, initial_qty, status, in_lot, supplier, supplier_lot,
             job_id, origin, purchase_order, note, work_order, operation, station, badge,
             created_at, started_at, ended_at) = _GET["n"](row)  # fmt: skip
            if kind == "serial":
                origin = "serial"
            elif not origin:
                origin = "job" if job_id else "opening stock" if kind == "lot" else None
            self.facts[lot] = {
                "lot": lot, "depth": int(depth), "kind": kind, "part": part, "qty": qty,
                "initial_qty": initial_qty, "status": status, "in_lot": in_lot,
                "supplier": supplier, "supplier_lot": supplier_lot, "job_id": job_id,
                "origin": origin, "purchase_order": purchase_order, "note": note or "",
                "work_order": work_order, "operation": operation, "station": station,
                "operator": badge, "created_at": as_utc(created_at),
                "started_at": as_utc(started_at), "ended_at": as_utc(ended_at),
            }  # fmt: skip
        elif tag == "l":
            lot, other, qty, kind, total = _GET["l"](row)
            self.links[lot].append(Link(other, float(qty), kind))
            self.link_totals[lot] = int(total)
        elif tag == "m":
            lot, char, name, unit, n, fails, low, high = _GET["m"](row)
            verdict: Literal["pass", "fail"] = "fail" if fails else "pass"
            summary = MeasurementSummary(
                char, name, unit or "", int(n), int(fails or 0), low, high, verdict
            )
            self.measurements[lot].append(summary)
        elif tag == "r":
            kind, key, seq, name = _GET["r"](row)
            self.names[(kind, (key, seq) if kind == "operation" else key)] = name
        elif tag == "d":
            lot, code, qty, n = _GET["d"](row)
            total = self.defects[lot].setdefault(code, [0.0, 0])
            total[0] += float(qty or 0)
            total[1] += int(n)
        elif tag == "h":
            lot, hold_id, target_type, status, reason, source, by, ncr, placed, released = _GET[
                "h"
            ](row)
            placed, released = as_utc(placed), as_utc(released)
            hold = HoldInfo(hold_id, target_type, status, reason, source, by, placed, released, ncr)
            self.holds[lot].append(hold)
        elif tag == "s":
            lot, shipped_lot, shipment_id, qty, customer, order, note, at = _GET["s"](row)
            self.shipments[lot][int(shipment_id)] = ShipmentInfo(
                int(shipment_id), shipped_lot, float(qty), customer, order, note, as_utc(at)
            )
        elif tag == "t":
            total, deepest, walk_rows = _GET["t"](row)
            self.total, self.deepest, self.walk_rows = (
                int(total),
                int(deepest or 0),
                int(walk_rows or 0),
            )
        elif tag == "e":
            self.exists = int(row[_INDEX["n"]])
        elif tag == "x":
            self.cut_links = int(row[_INDEX["n"]])
        elif tag == "c":
            customer, order, lots, qty = _GET["c"](row)
            self.customers.append(CustomerShipment(customer, order, int(lots), float(qty)))

    def nodes(self, cut_at: int | None) -> list[TraceNode]:
        out = []
        names = self.names
        for lot, facts in sorted(self.facts.items(), key=lambda item: (item[1]["depth"], item[0])):
            facts.update(
                part_description=names.get(("part", facts["part"])),
                supplier_name=names.get(("supplier", facts["supplier"])),
                operator_name=names.get(("operator", facts["operator"])),
                operation_name=names.get(("operation", (facts["work_order"], facts["operation"]))),
                equipment=list(_equipment(names.get(("station", facts["station"])))),
            )
            holds = sorted(self.holds.get(lot, []), key=lambda h: (str(h.placed_at), h.id))
            links = sorted(self.links.get(lot, []), key=lambda link: link.lot)
            total_links = self.link_totals.get(lot, 0)
            out.append(
                TraceNode(
                    **facts,
                    measurements=sorted(
                        self.measurements.get(lot, []), key=lambda m: m.characteristic
                    ),
                    defects=[
                        DefectSummary(code, qty, int(n))
                        for code, (qty, n) in sorted(self.defects.get(lot, {}).items())
                    ],
                    holds=holds,
                    shipments=sorted(
                        self.shipments.get(lot, {}).values(),
                        key=lambda s: (str(s.shipped_at), s.id),
                    ),
                    links=links,
                    links_total=total_links,
                    cut=cut_at is not None and facts["depth"] >= cut_at and total_links > 0,
                )
            )
        return out


def _raise_cycle(db: Session | Connection, lot: str, direction: str, total: int) -> None:
    """Find a cycle among the edges reachable from ``lot`` and raise it (a diagnosis, not a
    trace)."""
    this, other = _check_direction(direction)
    stmt = text(
        closure_sql(direction, "SELECT CAST(:root AS VARCHAR(80))")
        + f" SELECT e.{this}, e.{other} FROM reach r"
        + f" JOIN genealogy_edge e ON e.{this} = r.lot LIMIT :n"
    )
    graph: dict[str, list[str]] = defaultdict(list)
    for a, b in _rows(db, stmt, {"root": lot, "n": _CYCLE_SEARCH_EDGES}):
        graph[a].append(b)
    cycle = find_cycle(graph, lot)
    if cycle:
        arrow = " -> " if direction == "forward" else " <- "
        shown = cycle if len(cycle) <= 12 else [*cycle[:5], "...", *cycle[-5:]]
        raise GenealogyCycle(
            f"the genealogy of {lot} contains a cycle ({arrow.join(shown)}): a lot cannot contain "
            "itself, so these edges are wrong; fix them before tracing",
            cycle,
        )
    raise TraceError(
        f"the genealogy of {lot} runs deeper than {MAX_DEPTH} levels ({total} lots): "
        "trace it with a depth limit"
    )


def find_cycle(graph: dict[str, list[str]], start: str) -> list[str] | None:
    """A cycle reachable from ``start`` as a closed list of nodes (first == last), or ``None``."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []
    stack: list[tuple[str, Iterable[str]]] = [(start, iter(graph.get(start, ())))]
    state[start] = 1
    path.append(start)
    while stack:
        node, children = stack[-1]
        for child in children:
            if state.get(child) == 1:
                return path[path.index(child) :] + [child]
            if child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(graph.get(child, ()))))
                break
        else:
            state[node] = 2
            path.pop()
            stack.pop()
    return None


# --- enrichment: a handful of set-based queries for the whole page ---------


@functools.lru_cache(maxsize=1024)
def _equipment(devices: str | None) -> tuple[str, ...]:
    """Names of a station's devices, from its ``devices`` JSON (text: parsed once per station)."""
    parsed = json.loads(devices or "[]")
    return tuple(
        str(d.get("name") or d.get("id") or d.get("kind") or "device")
        for d in parsed
        if isinstance(d, dict)
    )
