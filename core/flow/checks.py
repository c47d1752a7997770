"""The station's own checks, mirroring the server's (server/services/apply.py).

The kiosk decides from its cached reference data, instantly and offline; the
server checks again when the event arrives. Each check returns what it found
or a ``Refusal`` whose text is shown to the operator as is.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.flow.context import ReferenceData
from core.flow.state import CharacteristicPlan, Job, MaterialLine
from core.reference import HoldRef, LotRef, OperationRef, OperatorRef, WorkOrderRef

_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Refusal:
    text: str


def fmt_qty(value: float) -> str:
    """Quantities as people write them: 8, 0.16, 112.5."""
    return f"{round(value, 6):g}"


def hold_reasons(holds: list[HoldRef]) -> str:
    return "; ".join(h.reason for h in holds) or "no reason given"


def check_badge(ref: ReferenceData, badge: str) -> OperatorRef | Refusal:
    op = ref.operator(badge)
    if op is None:
        return Refusal(f"Badge {badge} is not known here. Ask your supervisor.")
    if not op.active:
        return Refusal(f"Badge {badge} ({op.name}) is not active. Ask your supervisor.")
    return op


@dataclass(frozen=True, slots=True)
class StartPlan:
    work_order: WorkOrderRef
    operation: OperationRef
    product_description: str


def check_start(ref: ReferenceData, station_id: str, number: str) -> StartPlan | Refusal:
    """Can ``station_id`` start work order ``number``? (the server's JobStarted checks)"""
    wo = ref.work_order(number)
    if wo is None:
        return Refusal(
            f"Work order {number} is not routed to {station_id} (or unknown here). "
            "Check the traveler."
        )
    if wo.status == "closed":
        return Refusal(f"Work order {number} is closed.")
    wo_holds = ref.open_holds("work_order", number)
    if wo.status == "on_hold" or wo_holds:
        return Refusal(f"Work order {number} is on hold: {hold_reasons(wo_holds)}.")
    station_holds = ref.open_holds("station", station_id)
    if station_holds:
        return Refusal(f"Station {station_id} is on hold: {hold_reasons(station_holds)}.")
    routing = ref.routing(wo.product)
    if routing is None:
        return Refusal(f"Product {wo.product} of {number} has no routing here yet. Wait for sync.")
    op = routing.operation_for(station_id)
    if op is None:
        elsewhere = sorted({s for o in routing.operations for s in o.stations})
        return Refusal(
            f"Work order {number} ({wo.product}) is not routed to {station_id}: "
            f"it runs at {', '.join(elsewhere)}."
        )
    return StartPlan(work_order=wo, operation=op, product_description=routing.product_description)


def plan_materials(op: OperationRef, wo_qty: float) -> tuple[MaterialLine, ...]:
    return tuple(
        MaterialLine(part=b.part, qty_per=b.qty_per, required=round(b.qty_per * wo_qty, 6))
        for b in op.bom
    )


def plan_characteristics(op: OperationRef) -> tuple[CharacteristicPlan, ...]:
    return tuple(
        CharacteristicPlan(
            id=c.id,
            name=c.name,
            nominal=c.nominal,
            lsl=c.lsl,
            usl=c.usl,
            unit=c.unit,
            critical=c.critical,
        )
        for c in op.characteristics
    )


@dataclass(frozen=True, slots=True)
class Consumption:
    lot: LotRef
    line: MaterialLine
    qty: float


def check_consume(ref: ReferenceData, job: Job, lot_id: str) -> Consumption | Refusal:
    """Can this lot go into the job, and how much of it? (the server's LotConsumed checks)"""
    lot = ref.lot(lot_id)
    holds = ref.open_holds("lot", lot_id)
    if lot is None:
        if holds:  # a hold can reach the station before the lot it holds does
            return Refusal(f"Lot {lot_id} is ON HOLD: {hold_reasons(holds)}. Do not use it.")
        return Refusal(f"Lot {lot_id} is not known here. Check the label.")
    if not job.materials:
        return Refusal(f"Operation {job.operation} ({job.operation_name}) consumes no material.")
    line = job.material(lot.part)
    if line is None:
        expected = ", ".join(m.part for m in job.materials)
        return Refusal(f"Wrong part: lot {lot_id} is {lot.part}; this job needs {expected}.")
    if holds or lot.status == "on_hold":
        return Refusal(f"Lot {lot_id} is ON HOLD: {hold_reasons(holds)}. Do not use it.")
    if lot.status != "available":
        return Refusal(f"Lot {lot_id} is {lot.status.replace('_', ' ')}: it cannot be used.")
    if lot.qty <= _EPS:
        return Refusal(f"Lot {lot_id} is empty.")
    if line.remaining <= _EPS:
        return Refusal(
            f"{line.part} is complete for this job ({fmt_qty(line.consumed)} of "
            f"{fmt_qty(line.required)}). Lot {lot_id} is not needed."
        )
    qty = round(min(line.remaining, lot.qty), 6)
    return Consumption(lot=lot, line=line, qty=qty)
