"""Recall scope: everything that contains a supplier lot, and holding what is still in the plant.

The scope is the forward closure of every lot received under the supplier lot
(a recursive CTE with ``UNION``, so bad data with a cycle still ends), kept in
a temporary table for the length of one transaction so that the summary, the
customers and the pages are simple queries over it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import DateTime, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from core.permissions import Action, may, refusal
from core.trace_result import FrozenModel
from server import models as m
from server.apply.context import SERVER_STATION, Sender
from server.apply.pipeline import ingest_batch
from server.db import as_utc
from server.genealogy import tune_for_traces
from server.models_genealogy import Shipment
from server.services.revs import take_block
from server.trace.query import CustomerShipment, ShipmentInfo, TraceError

State = Literal["in_stock", "in_process", "held", "shipped", "consumed", "scrapped"]
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10000
_IN_PLANT = ("in_stock", "in_process", "held")


class RecallError(TraceError):
    """A recall cannot be scoped or held; the message is for people."""


class UnknownSupplierLot(RecallError):
    pass


class RecallSource(FrozenModel):
    lot: str
    part: str
    supplier: str | None
    qty: float
    initial_qty: float
    status: str


class RecallLot(FrozenModel):
    lot: str
    part: str
    status: str
    state: str  # in_stock | in_process | held | shipped | consumed | scrapped
    qty: float
    finished: bool  # nothing was made from it: an end of the genealogy
    open_holds: list[str] = []
    shipments: list[ShipmentInfo] = []


class RecallUnit(FrozenModel):
    serial: str
    lot: str
    part: str
    state: str
    customer: str | None = None
    customer_order: str | None = None
    shipped_at: datetime | None = None


class RecallScope(FrozenModel):
    """What a supplier lot went into. ``lots`` and ``units`` are one page (finished lots first)."""

    supplier_lot: str
    supplier: str | None
    sources: list[RecallSource]
    lots_total: int
    units_total: int
    lots_by_state: dict[str, int]
    finished_by_state: dict[str, int]
    units_by_state: dict[str, int]
    in_plant: int  # lots a recall hold would stop
    customers: list[CustomerShipment]
    offset: int
    limit: int
    lots: list[RecallLot]
    units: list[RecallUnit]


class HoldRejection(FrozenModel):
    lot: str
    reason: str


class RecallHoldResult(FrozenModel):
    supplier_lot: str
    reason: str
    operator: str
    placed: list[str]
    already_held: list[str]
    rejected: list[HoldRejection]


# A lot's state for a recall: where the material is now.
_LOT_STATE = """
    CASE WHEN {l}.qty > 0 AND {l}.status IN ('available', 'on_hold', 'wip', 'rework') THEN
        CASE WHEN {l}.status = 'on_hold' OR EXISTS (
            SELECT 1 FROM hold h
            WHERE h.target_type = 'lot' AND h.target = {l}.id AND h.status = 'open'
        ) THEN 'held' WHEN {l}.status IN ('wip', 'rework') THEN 'in_process' ELSE 'in_stock' END
    WHEN {l}.status = 'on_hold' THEN 'consumed'
    ELSE {l}.status END"""


def _scope_sql(table: str, temporary: str, supplier: str | None) -> str:
    supplier_filter = "AND supplier_id = :supplier" if supplier else ""
    lot_state = _LOT_STATE.format(l="l")
    unit_lot_state = _LOT_STATE.format(l="ul")
    return f"""
        CREATE {temporary} TABLE {table} AS
        WITH RECURSIVE reach(lot) AS (
            SELECT id FROM lot WHERE supplier_lot = :supplier_lot {supplier_filter}
            UNION
            SELECT e.child_lot FROM reach r JOIN genealogy_edge e ON e.parent_lot = r.lot
        )
        SELECT l.id AS lot, 'lot' AS kind, l.part AS part, l.status AS status, l.qty AS qty,
               CAST(NULL AS VARCHAR(80)) AS in_lot, CAST(NULL AS INTEGER) AS shipment_id,
               CASE WHEN EXISTS (
                   SELECT 1 FROM genealogy_edge c WHERE c.parent_lot = l.id AND c.kind <> 'serial'
               ) THEN 0 ELSE 1 END AS finished,
               {lot_state} AS state
        FROM reach r JOIN lot l ON l.id = r.lot
        UNION ALL
        SELECT u.serial, 'serial', u.part, u.status, 1.0, u.lot, u.shipment_id, 1,
               CASE WHEN u.status = 'shipped' THEN 'shipped'
                    WHEN EXISTS (
                        SELECT 1 FROM hold h WHERE h.target_type = 'unit' AND h.target = u.serial
                        AND h.status = 'open'
                    ) THEN 'held'
                    ELSE {unit_lot_state} END
        FROM reach r JOIN serial_unit u ON u.serial = r.lot JOIN lot ul ON ul.id = u.lot
    """


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise RecallError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    if offset < 0:
        raise RecallError(f"offset must be 0 or more, not {offset}")


class _ScopeTable:
    """The recall scope as a temporary table that lives until the block ends."""

    def __init__(self, session: Session, supplier_lot: str, supplier: str | None) -> None:
        self.session = session
        self.name = f"recall_scope_{uuid.uuid4().hex[:12]}"
        postgres = session.get_bind().dialect.name == "postgresql"
        self.params: dict[str, Any] = {"supplier_lot": supplier_lot}
        if supplier:
            self.params["supplier"] = supplier
        sql = _scope_sql(self.name, "TEMPORARY", supplier)
        if postgres:  # dropped with the transaction whatever happens
            sql = sql.replace(f"TABLE {self.name} AS", f"TABLE {self.name} ON COMMIT DROP AS", 1)
        self.postgres = postgres
        self.sql = sql

    def __enter__(self) -> str:
        self.session.execute(text(self.sql), self.params)
        if self.postgres:  # a fresh table has no statistics: the planner would guess its size
            self.session.execute(text(f"ANALYZE {self.name}"))
        return self.name

    def __exit__(self, *_exc: object) -> None:
        if not self.postgres:
            self.session.execute(text(f"DROP TABLE IF EXISTS temp.{self.name}"))


def _sources(session: Session, supplier_lot: str, supplier: str | None) -> list[RecallSource]:
    query = select(m.Lot).where(m.Lot.supplier_lot == supplier_lot)
    if supplier:
        query = query.where(m.Lot.supplier_id == supplier)
    return [
        RecallSource(
            lot=lot.id,
            part=lot.part,
            supplier=lot.supplier_id,
            qty=lot.qty,
            initial_qty=lot.initial_qty,
            status=lot.status,
        )
        for lot in session.execute(query.order_by(m.Lot.id)).scalars()
    ]


def _session_for(db: Session | Engine) -> tuple[Session, bool]:
    if isinstance(db, Engine):
        session = Session(db)
        tune_for_traces(session)
        return session, True
    return db, False


def recall_scope(
    db: Session | Engine,
    supplier_lot: str,
    supplier: str | None = None,
    *,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
    state: str | None = None,
) -> RecallScope:
    """Every lot and serial that contains ``supplier_lot``, where each one is now, and who got it.

    ``state`` narrows the page of lots to one state (e.g. "shipped").
    Raises ``UnknownSupplierLot`` when no lot was received under that supplier lot.
    """
    _check_page(limit, offset)
    session, own = _session_for(db)
    try:
        sources = _sources(session, supplier_lot, supplier)
        if not sources:
            who = f" from supplier {supplier}" if supplier else ""
            raise UnknownSupplierLot(f"no lot was received with supplier lot {supplier_lot}{who}")
        with _ScopeTable(session, supplier_lot, supplier) as table:
            result = _scope(session, table, supplier_lot, supplier, sources, limit, offset, state)
        if own:
            session.rollback()
        return result
    finally:
        if own:
            session.close()


def _scope(
    session: Session,
    table: str,
    supplier_lot: str,
    supplier: str | None,
    sources: list[RecallSource],
    limit: int,
    offset: int,
    state: str | None,
) -> RecallScope:
    def rows(sql: str, **params: Any) -> list[Any]:
        return list(session.execute(text(sql), params))

    lots_by_state: dict[str, int] = defaultdict(int)
    finished_by_state: dict[str, int] = defaultdict(int)
    units_by_state: dict[str, int] = defaultdict(int)
    for kind, lot_state, finished, count in rows(
        f"SELECT kind, state, finished, COUNT(*) FROM {table} GROUP BY kind, state, finished"
    ):
        if kind == "lot":
            lots_by_state[lot_state] += count
            if finished:
                finished_by_state[lot_state] += count
        else:
            units_by_state[lot_state] += count
    customers = [
        CustomerShipment(customer=c, customer_order=o, lots=int(n), qty=float(q))
        for c, o, n, q in rows(
            f"SELECT s.customer, s.customer_order, COUNT(DISTINCT s.lot), SUM(s.qty) "
            f"FROM {table} t JOIN shipment s ON s.lot = t.lot WHERE t.kind = 'lot' "
            f"GROUP BY s.customer, s.customer_order ORDER BY s.customer, s.customer_order"
        )
    ]
    state_filter = "AND state = :state" if state else ""
    page = rows(
        f"SELECT lot, part, status, state, qty, finished FROM {table} "
        f"WHERE kind = 'lot' {state_filter} "
        f"ORDER BY finished DESC, lot LIMIT :limit OFFSET :offset",
        limit=limit,
        offset=offset,
        state=state,
    )
    ids = [r[0] for r in page]
    shipments: dict[str, list[ShipmentInfo]] = defaultdict(list)
    holds: dict[str, list[str]] = defaultdict(list)
    if ids:
        for (s,) in session.execute(
            select(Shipment).where(Shipment.lot.in_(ids)).order_by(Shipment.shipped_at, Shipment.id)  # type: ignore[attr-defined]
        ):
            shipments[s.lot].append(
                ShipmentInfo(
                    id=s.id,
                    lot=s.lot,
                    qty=s.qty,
                    customer=s.customer,
                    customer_order=s.customer_order,
                    delivery_note=s.delivery_note,
                    shipped_at=as_utc(s.shipped_at),
                )
            )
        for (h,) in session.execute(
            select(m.Hold)
            .where(m.Hold.target_type == "lot", m.Hold.target.in_(ids), m.Hold.status == "open")  # type: ignore[attr-defined]
            .order_by(m.Hold.placed_at)
        ):
            holds[h.target].append(h.reason)
    lots = [
        RecallLot(
            lot=lot,
            part=part,
            status=status,
            state=lot_state,
            qty=float(qty),
            finished=bool(finished),
            open_holds=holds.get(lot, []),
            shipments=shipments.get(lot, []),
        )
        for lot, part, status, lot_state, qty, finished in page
    ]
    units = [
        RecallUnit(
            serial=serial,
            lot=lot,
            part=part,
            state=unit_state,
            customer=customer,
            customer_order=order,
            shipped_at=as_utc(shipped_at),
        )
        for serial, lot, part, unit_state, customer, order, shipped_at in session.execute(
            text(
                f"SELECT t.lot, t.in_lot, t.part, t.state, s.customer, s.customer_order, "
                f"s.shipped_at FROM {table} t LEFT JOIN shipment s ON s.id = t.shipment_id "
                f"WHERE t.kind = 'serial' "
                f"ORDER BY t.lot LIMIT :limit OFFSET :offset"
            ).columns(shipped_at=DateTime(timezone=True)),
            {"limit": limit, "offset": offset},
        )
    ]
    return RecallScope(
        supplier_lot=supplier_lot,
        supplier=supplier,
        sources=sources,
        lots_total=sum(lots_by_state.values()),
        units_total=sum(units_by_state.values()),
        lots_by_state=dict(lots_by_state),
        finished_by_state=dict(finished_by_state),
        units_by_state=dict(units_by_state),
        in_plant=sum(lots_by_state.get(s, 0) for s in _IN_PLANT),
        customers=customers,
        offset=offset,
        limit=limit,
        lots=lots,
        units=units,
    )


def lots_in_plant(
    db: Session | Engine, supplier_lot: str, supplier: str | None = None
) -> list[str]:
    """The lots containing ``supplier_lot`` that are still in the plant (in stock or held)."""
    session, own = _session_for(db)
    try:
        if not _sources(session, supplier_lot, supplier):
            who = f" from supplier {supplier}" if supplier else ""
            raise UnknownSupplierLot(f"no lot was received with supplier lot {supplier_lot}{who}")
        with _ScopeTable(session, supplier_lot, supplier) as table:
            found = list(
                session.execute(
                    text(
                        f"SELECT lot FROM {table} WHERE kind = 'lot' "
                        "AND state IN ('in_stock', 'in_process', 'held') ORDER BY lot"
                    )
                ).scalars()
            )
        if own:
            session.rollback()
        return found
    finally:
        if own:
            session.close()


def recall_reason(supplier_lot: str, reason: str) -> str:
    return f"recall of supplier lot {supplier_lot}: {reason}"


def recall_hold(
    engine: Engine, supplier_lot: str, reason: str, operator: str, supplier: str | None = None
) -> RecallHoldResult:
    """Hold every lot containing ``supplier_lot`` that is still in the plant.

    Each hold is a ``HoldPlaced`` event from the server pseudo-station, applied
    and hash-chained through the normal ingest path. Lots that already carry
    an open hold of this recall are left alone, so running it again is safe.
    """
    reason = reason.strip()
    if not reason:
        raise RecallError("a recall hold needs a reason")
    with Session(engine) as session:
        badge = session.get(m.Operator, operator)
        if badge is None or not badge.active:
            raise RecallError(f"badge {operator} is not an active person here")
        if not may(badge.role, Action.RECALL_HOLD):
            raise RecallError(refusal(Action.RECALL_HOLD, operator, badge.role))
    full_reason = recall_reason(supplier_lot, reason)
    tag = recall_reason(supplier_lot, "")
    targets = lots_in_plant(engine, supplier_lot, supplier)
    already: set[str] = set()
    with Session(engine) as session:
        for chunk in _chunks(targets, 1000):
            for (h,) in session.execute(
                select(m.Hold).where(
                    m.Hold.target_type == "lot", m.Hold.target.in_(chunk), m.Hold.status == "open"
                )  # type: ignore[attr-defined]
            ):
                if h.reason.startswith(tag):
                    already.add(h.target)
    placed: list[str] = []
    rejected: list[HoldRejection] = []
    todo = [lot for lot in targets if lot not in already]
    with Session(engine) as session:
        seq = take_block(session, "server_seq", len(todo)) if todo else 0
        session.commit()
    now = datetime.now(UTC)
    sender = Sender.of_person(operator)
    for chunk_start in range(0, len(todo), 500):
        chunk = todo[chunk_start : chunk_start + 500]
        raws = [
            ev.make_event(
                ev.HoldPlaced(
                    hold_id=uuid.uuid4(), target_type="lot", target=lot,
                    reason=full_reason[:500], source="recall",
                ),
                station_id=SERVER_STATION, seq=seq + chunk_start + n, operator_id=operator,
                occurred_at=now,
            ).model_dump(mode="json")
            for n, lot in enumerate(chunk)
        ]  # fmt: skip
        for lot, result in zip(chunk, ingest_batch(engine, raws, sender), strict=True):
            if result.status == "applied":
                placed.append(lot)
            else:
                rejected.append(HoldRejection(lot=lot, reason=result.reason or result.status))
    return RecallHoldResult(
        supplier_lot=supplier_lot,
        reason=full_reason,
        operator=operator,
        placed=placed,
        already_held=sorted(already),
        rejected=rejected,
    )


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
