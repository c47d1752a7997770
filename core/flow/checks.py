"""The station's own checks, mirroring the server's (server/services/apply.py).

The kiosk decides from its cached reference data, instantly and offline; the
server checks again when the event arrives. Each check returns what it found
or a ``Refusal`` whose text is shown to the operator as is.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import routing as rt
from core.flow.context import ReferenceData
from core.flow.state import CharacteristicPlan, Job, MaterialLine, StationState
from core.reference import HoldRef, LotRef, OperationRef, OperatorRef, WorkOrderRef

_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Refusal:
    text: str
    #: A start refused only for required operations not done: a supervisor may approve
    #: skipping these on lot ``lot``.
    skip: tuple[int, ...] = ()
    lot: str | None = None


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
    #: The work-in-process lot the operation works on (None: it makes a new lot).
    lot: LotRef | None = None


def open_holds_here(
    state: StationState, ref: ReferenceData, target_type: str, target: str
) -> list[tuple[str, str]]:
    """(id, reason) of the holds on a target: from the cache, plus those this station placed
    that the server has not confirmed yet."""
    found = [(h.id, h.reason) for h in ref.open_holds(target_type, target)]
    for h in state.extras.get("local_holds", ()):
        if h["target_type"] == target_type and h["target"] == target:
            found.append((h["id"], h["reason"]))
    return found


def held_text(ref: ReferenceData, lot: LotRef) -> str | None:
    """Why a lot is held, with who can clear it (None: it is not held)."""
    holds = ref.open_holds("lot", lot.id)
    if not holds and lot.status != "on_hold":
        return None
    ncrs = sorted({h.ncr for h in holds if h.ncr})
    who = (
        f"the signed disposition of {', '.join(ncrs)} (quality engineer or MRB) clears it"
        if ncrs
        else "a supervisor or quality engineer can release it"
    )
    return f"Lot {lot.id} is ON HOLD: {hold_reasons(holds)}. Do not use it: {who}."


def lot_problem(
    ref: ReferenceData, lot: LotRef, steps: list[rt.Step], seq: int, skip: tuple[int, ...] = ()
) -> Refusal | None:
    """Why operation ``seq`` may not start on work-in-process ``lot`` (the server's checks)."""
    held = held_text(ref, lot)
    if held:
        return Refusal(held)
    if lot.status not in ("wip", "available"):
        return Refusal(
            f"Lot {lot.id} is {lot.status.replace('_', ' ')}: no operation can start on it."
        )
    if lot.qty <= _EPS:
        return Refusal(f"Lot {lot.id} is empty.")
    problem = rt.start_problem(lot.id, steps, seq, lot.ops_done, skip)
    if problem:
        missing = (
            tuple(s.seq for s in rt.skippable(steps, seq, lot.ops_done))
            if seq not in lot.ops_done
            else ()
        )
        return Refusal(f"{problem[0].upper()}{problem[1:]}.", skip=missing, lot=lot.id)
    return None


def _wip_lot(
    ref: ReferenceData,
    number: str,
    product: str,
    steps: list[rt.Step],
    seq: int,
    lot_id: str | None,
    skip: tuple[int, ...] = (),
) -> LotRef | None | Refusal:
    """The lot an operation of work order ``number`` works on: the scanned one, or the one
    lot of the work order ready for it; None when the operation starts a new lot."""
    if lot_id is None and seq in rt.first_stage(steps):
        return None
    if lot_id is not None:
        lot = ref.lot(lot_id)
        if lot is None:
            return Refusal(f"Lot {lot_id} is not known here. Check the traveler, or wait for sync.")
        if lot.part != product or lot.work_order not in (None, number):
            return Refusal(
                f"Lot {lot_id} is {lot.part} of {lot.work_order or 'no work order'}, not {number}."
            )
        return lot_problem(ref, lot, steps, seq, skip) or lot
    present = [
        lot for lot in ref.lots_of_part(product)
        if lot.work_order == number and lot.status not in ("consumed", "scrapped", "shipped")
    ]  # fmt: skip
    lots = [lot for lot in present if seq not in lot.ops_done]
    if present and not lots:
        ids = ", ".join(lot.id for lot in present[:6])
        return Refusal(f"Op {seq} is already done on every lot of {number} here ({ids}).")
    ready = [lot for lot in lots if lot_problem(ref, lot, steps, seq, skip) is None]
    if len(ready) == 1:
        return ready[0]
    if ready:
        ids = ", ".join(lot.id for lot in ready[:6])
        return Refusal(
            f"Several lots of {number} are ready for op {seq} ({ids}): scan the lot's traveler."
        )
    if lots:
        return lot_problem(ref, lots[0], steps, seq, skip) or Refusal(
            f"No lot of {number} is ready for op {seq}."
        )
    before = rt.missing_before(steps, seq, ())
    return Refusal(
        f"No lot of {number} has been through {rt.describe(before)} yet: nothing to do at op {seq}. "
        "Scan the lot's traveler if it is here."
    )


def check_start(
    ref: ReferenceData,
    station_id: str,
    number: str,
    lot_id: str | None = None,
    skip: tuple[int, ...] = (),
) -> StartPlan | Refusal:
    """Can ``station_id`` start work order ``number`` (on lot ``lot_id``)? (the server's
    JobStarted checks)"""
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
    lot = _wip_lot(ref, number, wo.product, routing.steps(), op.seq, lot_id, skip)
    if isinstance(lot, Refusal):
        return lot
    return StartPlan(
        work_order=wo, operation=op, product_description=routing.product_description, lot=lot
    )


def plan_materials(op: OperationRef, wo_qty: float) -> tuple[MaterialLine, ...]:
    return tuple(
        MaterialLine(
            part=b.part,
            qty_per=b.qty_per,
            required=round(b.qty_per * wo_qty, 6),
            after_operation=b.after_operation,
        )
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


def component_problem(ref: ReferenceData, lot: LotRef, after_operation: int | None) -> str | None:
    """Why a made lot cannot go into an assembly yet (the server's rule, core.routing)."""
    if lot.work_order is None or lot.status not in ("wip", "available"):
        return None
    routing = ref.routing(lot.part)
    if routing is None:
        return None
    problem = rt.use_problem(lot.id, lot.part, routing.steps(), lot.ops_done, after_operation)
    return f"{problem[0].upper()}{problem[1:]}: it cannot be used yet." if problem else None


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
        return Refusal(held_text(ref, lot) or f"Lot {lot_id} is ON HOLD. Do not use it.")
    unready = component_problem(ref, lot, line.after_operation)
    if unready:
        return Refusal(unready)
    if lot.status != "available" and not (lot.status == "wip" and line.after_operation is not None):
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
