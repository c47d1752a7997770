"""The standard station behaviour: login, start job, consume, measure, defects, complete.

Each function handles one kind of entry for ``core.flow.flow.Flow``; see
``core.flow.step.DEFAULT_FLOW`` for how they are wired together.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import datetime

from core import events as ev
from core.barcodes import Badge, DefectCodeScan, LotCode, SerialCode, WorkOrderCode
from core.flow import approvals
from core.flow.actions import OperatorMessage, PrintTraveler, ShowVerdict, StepResult
from core.flow.checks import (
    Refusal,
    StartPlan,
    check_badge,
    check_consume,
    check_start,
    fmt_qty,
    plan_characteristics,
    plan_materials,
)
from core.flow.context import Reading
from core.flow.flow import Turn
from core.flow.state import (
    CharacteristicPlan,
    ConfirmCancelJob,
    ConfirmMeasurement,
    DefectLine,
    EnterDefectQty,
    EnterMeasurement,
    Job,
    OperatorSession,
    StationState,
)
from core.verdict import Spec, plausibility_problem, verdict

_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")

KIND_NAMES = {
    "badge": "a badge",
    "work_order": "a work order",
    "lot": "a lot",
    "serial": "a serial number",
    "defect": "a defect code",
    "command": "a command",
}


def parse_number(text: str) -> float | None:
    """A typed number (``12.01``, ``-0,5``, ``155``), or None. No exponents, no words."""
    text = text.strip()
    # More than 12 digits is a scanned code (a GTIN has 13 or 14), not a reading.
    if sum(ch.isdigit() for ch in text) > 12 or not _NUMBER.fullmatch(text):
        return None
    value = float(text.replace(",", "."))
    return value if math.isfinite(value) else None


def instruction(state: StationState) -> str:
    return state.prompt.describe(state).detail


# --- general dispatch -----------------------------------------------------------------


def general(turn: Turn) -> StepResult:
    """An entry no pending prompt claimed: commands, numbers, characteristic ids, scans."""
    state, text = turn.state, turn.text
    if not text:
        return turn.say(f"Nothing was scanned. {instruction(state)}")
    if text.startswith("#"):
        scan = turn.scan()
        if scan.kind == "error":
            return turn.refuse(f"{scan.message} {instruction(state)}")
        if state.operator is None:
            return turn.refuse("Scan your badge first.")
        handler = turn.flow.commands.get(scan.name)  # type: ignore[union-attr]
        if handler is None:
            return turn.refuse(f"#{scan.name} is not available at this station.")  # type: ignore[union-attr]
        return handler(turn)
    value = parse_number(text)
    if value is not None:
        if state.operator is None:
            return turn.refuse(f"Scan your badge first: {text} is a number, not a badge.")
        if isinstance(state.prompt, EnterMeasurement):
            return measure(turn, value, turn.source)
        return turn.refuse(f"A number is not expected now. {instruction(state)}")
    if state.operator is not None and state.job is not None:
        plan = state.job.characteristic(text.upper())
        if plan is not None:
            return choose_characteristic(turn, plan)
    scan = turn.scan()
    if scan.kind == "error":
        if isinstance(state.prompt, EnterMeasurement):
            plan = state.job.characteristic(state.prompt.characteristic) if state.job else None
            what = f" of {plan.name}" if plan else ""
            return turn.refuse(f"{text!r} is not a number: type the measured value{what}.")
        return turn.refuse(scan.message)  # type: ignore[union-attr]
    if state.operator is None and scan.kind != "badge":
        return turn.refuse(
            f"Scan your badge first: {text} is {KIND_NAMES.get(scan.kind, scan.kind)}."
        )
    on_scan = turn.flow.scans.get(scan.kind)
    if on_scan is None:
        return turn.refuse(
            f"{KIND_NAMES.get(scan.kind, scan.kind).capitalize()} cannot be used here."
        )
    return on_scan(turn, scan)


# --- login / logout -------------------------------------------------------------------


def on_badge(turn: Turn, scan: Badge) -> StepResult:
    state = turn.state
    if state.operator is not None and state.operator.badge == scan.badge:
        return turn.say(f"{state.operator.name} is already logged in. {instruction(state)}")
    found = check_badge(turn.ctx.reference, scan.badge)
    if isinstance(found, Refusal):
        return turn.refuse(found.text)
    job = state.job
    runner = (state.operator.badge if state.operator else None) or (job.operator if job else None)
    if job is not None and runner and runner != found.badge and approvals.takes_over(found.role):
        # A running job is not taken over by a badge alone: the new operator confirms.
        return approvals.ask(turn, approvals.AwaitApproval(
            purpose="handover", badge=found.badge, name=found.name,
            detail=f"Job {job.work_order} op {job.operation} is run by {runner}.",
        ))  # fmt: skip
    actions = []
    if state.operator is not None:
        actions.append(
            turn.event(ev.OperatorLoggedOut(badge=state.operator.badge, reason="logout"))
        )
    actions.append(turn.event(ev.OperatorLoggedIn(badge=found.badge), operator_id=found.badge))
    session = OperatorSession(badge=found.badge, name=found.name, role=found.role, since=turn.now)
    new = turn.settle(replace(state, operator=session))
    text = f"Welcome {found.name} ({found.role.replace('_', ' ')})."
    if state.job is not None:
        text += f" Job {state.job.work_order} is open: carry on."
    return turn.done(new, OperatorMessage.ok(f"{text} {instruction(new)}"), *actions)


def logout(turn: Turn, reason: str = "logout") -> StepResult:
    state = turn.state
    if state.operator is None:
        return turn.say("Nobody is logged in.")
    action = turn.event(ev.OperatorLoggedOut(badge=state.operator.badge, reason=reason))  # type: ignore[arg-type]
    new = turn.settle(replace(state, operator=None))
    why = "after a long time without a scan" if reason == "idle" else ""
    text = f"{state.operator.name} logged out {why}.".replace(" .", ".")
    if state.job is not None:
        text += f" Job {state.job.work_order} stays open for the next operator."
    return turn.done(new, OperatorMessage.info(text), action)


def cmd_logout(turn: Turn) -> StepResult:
    return logout(turn)


# --- jobs -----------------------------------------------------------------------------


def build_job(turn: Turn, plan: StartPlan) -> Job:
    wo, op = plan.work_order, plan.operation
    routing = turn.ctx.reference.routing(wo.product)
    operations = (
        tuple((o.seq, o.name) for o in routing.operations)
        if routing is not None
        else ((op.seq, op.name),)
    )
    lot = plan.lot
    keeps = lot is not None and not op.new_lot
    return Job(
        job_id=turn.ctx.new_id(),
        work_order=wo.number,
        product=wo.product,
        product_description=plan.product_description,
        qty=lot.qty if lot is not None else wo.qty,
        operation=op.seq,
        operation_name=op.name,
        started_at=turn.now,
        materials=plan_materials(op, lot.qty if lot is not None else wo.qty),
        characteristics=plan_characteristics(op),
        output_lot=(
            lot.id
            if keeps and lot is not None
            else output_lot_id(turn.ctx.station_id, turn.state.output_lots_made + 1, turn.now)
        ),
        operations=operations,
        input_lot=lot.id if lot is not None else None,
        lot_qty=lot.qty if lot is not None else None,
        operator=turn.state.operator.badge if turn.state.operator else None,
    )


def on_work_order(turn: Turn, scan: WorkOrderCode) -> StepResult:
    return start_job(turn, scan.number)


def start_job(
    turn: Turn,
    number: str,
    lot_id: str | None = None,
    *,
    skip: tuple[int, ...] = (),
    reason: str = "",
    approved_by: str | None = None,
) -> StepResult:
    """Start work order ``number`` here (on work-in-process lot ``lot_id``, or the one ready);
    ``skip``: required operations skipped with ``approved_by``'s approval, for ``reason``."""
    state = turn.state
    if state.job is not None:
        if state.job.work_order == number:
            return turn.say(f"Job {number} is already running. {instruction(state)}")
        return turn.refuse(
            f"Job {state.job.work_order} is running: finish it with #DONE or #CANCEL "
            f"before starting {number}."
        )
    plan = check_start(turn.ctx.reference, turn.ctx.station_id, number, lot_id, skip)
    if isinstance(plan, Refusal):
        if plan.skip and not skip:
            return approvals.ask(turn, approvals.AwaitApproval(
                purpose="skip", detail=plan.text, work_order=number, lot=plan.lot or "",
                skip=plan.skip,
            ))  # fmt: skip
        return turn.refuse(plan.text)
    job = build_job(turn, plan)
    action = turn.event(
        ev.JobStarted(
            job_id=job.job_id, work_order=job.work_order, operation=job.operation, output_lot=job.output_lot,
            lot=job.input_lot, known_rev=turn.ctx.reference.known_rev() if job.input_lot else None,
            skip=list(skip), skip_reason=reason, approved_by=approved_by,
        )
    )  # fmt: skip
    made = state.output_lots_made + (0 if job.output_lot == job.input_lot else 1)
    new = turn.settle(replace(state, job=job, output_lots_made=made))
    traveler = traveler_action(
        job, "start", state.operator.badge if state.operator else "", turn.now
    )
    text = (
        f"Job started: {job.work_order}, {job.product} x {fmt_qty(job.qty)}, "
        f"op {job.operation} {job.operation_name}"
        + (f" on lot {job.input_lot}." if job.input_lot else ".")
    )
    return turn.done(new, OperatorMessage.ok(f"{text} {instruction(new)}"), action, traveler)


def traveler_action(
    job: Job,
    moment: str,
    operator: str,
    now: datetime,
    good: float | None = None,
    scrap: float | None = None,
) -> PrintTraveler:
    return PrintTraveler(
        moment=moment,  # type: ignore[arg-type]
        work_order=job.work_order,
        product=job.product,
        product_description=job.product_description,
        operations=job.operations or ((job.operation, job.operation_name),),
        current_operation=job.operation,
        output_lot=job.output_lot or "",
        qty=job.qty,
        operator=operator,
        at=now,
        good_qty=good,
        scrap_qty=scrap,
    )


def cmd_cancel(turn: Turn) -> StepResult:
    state = turn.state
    if state.job is None:
        return turn.say(f"Nothing to cancel. {instruction(state)}")
    if isinstance(state.prompt, EnterMeasurement) and state.prompt.chosen:
        new = turn.settle(state)
        return turn.done(new, OperatorMessage.info(f"Back. {instruction(new)}"))
    new = replace(state, prompt=ConfirmCancelJob())
    return turn.done(new, OperatorMessage.warn(instruction(new)))


def on_confirm_cancel_job(turn: Turn) -> StepResult | Turn:
    state = turn.state
    kept = turn.settle(state)
    if turn.text.upper() == "#CANCEL":
        return turn.done(kept, OperatorMessage.info(f"Job kept. {instruction(kept)}"))
    if turn.text.upper() != "#CONFIRM" or state.job is None:
        return turn.with_state(kept, note="Job kept.")
    job = state.job
    action = turn.event(ev.JobCancelled(job_id=job.job_id, reason="cancelled at the station"))
    new = turn.settle(replace(state, job=None))
    text = f"Job {job.work_order} cancelled."
    if job.consumed_lots:
        text += " Material already consumed stays recorded."
    return turn.done(new, OperatorMessage.warn(f"{text} {instruction(new)}"), action)


# --- material -------------------------------------------------------------------------


def on_lot(turn: Turn, scan: LotCode) -> StepResult:
    state = turn.state
    if state.job is None:
        lot = turn.ctx.reference.lot(scan.lot)
        if lot is not None and lot.work_order:
            return start_job(turn, lot.work_order, scan.lot)  # a traveler: work on that lot
        return turn.refuse(f"No job is running: scan a work order before lot {scan.lot}.")
    if scan.lot == state.job.input_lot:
        return turn.say(f"This job works on lot {scan.lot}. {instruction(state)}")
    found = check_consume(turn.ctx.reference, state.job, scan.lot)
    if isinstance(found, Refusal):
        return turn.refuse(found.text)
    line = found.line
    updated = replace(
        line,
        consumed=round(line.consumed + found.qty, 6),
        lots=line.lots + ((scan.lot, found.qty),),
    )
    action = turn.event(
        ev.LotConsumed(
            job_id=state.job.job_id,
            lot=scan.lot,
            part=line.part,
            qty=found.qty,
            known_rev=turn.ctx.reference.known_rev(),
        )
    )
    new = turn.settle(replace(state, job=state.job.with_material(updated)))
    left = round(found.lot.qty - found.qty, 6)
    text = (
        f"Lot {scan.lot}: {fmt_qty(found.qty)} of {line.part} consumed "
        f"({fmt_qty(left)} left in the lot)."
    )
    if updated.remaining > 0:
        text += f" {fmt_qty(updated.remaining)} more needed: scan another lot of {line.part}."
        return turn.done(new, OperatorMessage.ok(text), action)
    return turn.done(new, OperatorMessage.ok(f"{text} {instruction(new)}"), action)


def on_serial(turn: Turn, scan: SerialCode) -> StepResult:
    state = turn.state
    if state.job is None:
        return turn.refuse(f"No job is running: scan a work order before unit {scan.serial}.")
    new = replace(state, job=replace(state.job, unit_serial=scan.serial))
    return turn.done(new, OperatorMessage.info(f"Measuring unit {scan.serial}. {instruction(new)}"))


# --- measurements ---------------------------------------------------------------------


def current_spec(turn: Turn, plan: CharacteristicPlan) -> tuple[Spec, str, bool]:
    """Limits as the cache knows them now (they may have changed since job start)."""
    job = turn.state.job
    routing = turn.ctx.reference.routing(job.product) if job else None
    op = routing.operation_for(turn.ctx.station_id) if routing else None
    if op is not None:
        for ch in op.characteristics:
            if ch.id == plan.id:
                return ch.spec(), ch.name, ch.critical
    return plan.spec(), plan.name, plan.critical


def choose_characteristic(turn: Turn, plan: CharacteristicPlan) -> StepResult:
    new = replace(turn.state, prompt=EnterMeasurement(characteristic=plan.id, chosen=True))
    return turn.done(new, OperatorMessage.info(instruction(new)))


def measure(
    turn: Turn, value: float, source: str, confirmed: bool = False, device: str = ""
) -> StepResult:
    state = turn.state
    prompt = state.prompt
    char_id = (
        prompt.characteristic if isinstance(prompt, EnterMeasurement | ConfirmMeasurement) else ""
    )
    plan = state.job.characteristic(char_id) if state.job else None
    if state.job is None or plan is None:
        return turn.refuse(f"No measurement is due now. {instruction(state)}")
    spec, name, critical = current_spec(turn, plan)
    if not confirmed:
        problem = plausibility_problem(value, spec, turn.ctx.plausibility_factor)
        if problem:
            new = replace(
                state,
                prompt=ConfirmMeasurement(
                    characteristic=plan.id,
                    value=value,
                    problem=problem,
                    source=source,
                    device=device,
                ),
            )
            return turn.done(new, OperatorMessage.warn(f"Check the value: {instruction(new)}"))
    result = verdict(value, spec)
    payload = ev.MeasurementRecorded(
        job_id=state.job.job_id,
        characteristic=plan.id,
        value=value,
        unit=spec.unit,
        unit_serial=state.job.unit_serial,
        source=source if source in ("gauge", "plc") else "keyboard",  # type: ignore[arg-type]
        device=device or None,
        verdict=result,
    )
    updated = replace(plan, measured=plan.measured + 1, last_value=value, last_verdict=result)
    new = turn.settle(replace(state, job=state.job.with_characteristic(updated)))
    shown = f"{value:g} {spec.unit}".rstrip()
    if result == "pass":
        message = OperatorMessage.ok(
            f"PASS: {name} {shown} is within {spec.describe()}. {instruction(new)}"
        )
    else:
        side = "below" if spec.lsl is not None and value < spec.lsl else "above"
        limit = spec.lsl if side == "below" else spec.usl
        message = OperatorMessage.warn(
            f"FAIL: {name} {shown} is {side} the limit {limit:g}. Recorded. Tell your supervisor."
        )
    show = ShowVerdict(
        characteristic=plan.id, name=name, value=value, verdict=result, spec=spec, critical=critical
    )
    return turn.done(new, message, turn.event(payload), show)


def on_confirm_measurement(turn: Turn) -> StepResult | Turn:
    prompt = turn.state.prompt
    assert isinstance(prompt, ConfirmMeasurement)
    if turn.text.upper() == "#CONFIRM":
        return measure(turn, prompt.value, prompt.source, confirmed=True, device=prompt.device)
    back = replace(
        turn.state, prompt=EnterMeasurement(characteristic=prompt.characteristic, chosen=True)
    )
    note = f"Value {prompt.value:g} discarded."
    if turn.text.upper() == "#CANCEL":
        return turn.done(back, OperatorMessage.info(f"{note} {instruction(back)}"))
    return turn.with_state(back, note=note)


def on_reading(turn: Turn, reading: Reading) -> StepResult:
    state = turn.state
    if not isinstance(state.prompt, EnterMeasurement) or state.job is None:
        return turn.say(
            f"Reading {reading.value:g} {reading.unit} ignored: no measurement is due now.", "warn"
        )
    plan = state.job.characteristic(state.prompt.characteristic)
    if plan is not None and reading.unit and plan.unit and reading.unit != plan.unit:
        device = reading.device or f"The {reading.source}"
        return turn.refuse(
            f"{device} sends {reading.unit}; {plan.id} is measured in {plan.unit}. "
            f"Reading refused: switch it to {plan.unit} and measure again "
            "(readings are never converted)."
        )
    if not math.isfinite(reading.value):
        return turn.refuse("The gauge sent a value that is not a number.")
    return measure(turn, reading.value, reading.source, device=reading.device)


# --- defects --------------------------------------------------------------------------


def on_defect(turn: Turn, scan: DefectCodeScan) -> StepResult:
    state = turn.state
    if state.job is None:
        return turn.refuse(f"No job is running: scan a work order before defect {scan.code}.")
    code = turn.ctx.reference.defect_code(scan.code)
    if code is None:
        return turn.refuse(f"Defect code {scan.code} is not on this plant's defect sheet.")
    new = replace(
        state,
        prompt=EnterDefectQty(code=code.code, description=code.description, severity=code.severity),
    )
    return turn.done(new, OperatorMessage.info(instruction(new)))


def _qty_entry(turn: Turn, default: float | None, minimum_exclusive: bool) -> float | str:
    """The quantity typed, or the refusal text."""
    text = turn.text
    if not text:
        if default is None:
            return "Type a quantity."
        return default
    value = parse_number(text)
    if value is None:
        return f"{text!r} is not a quantity: type a number, or #CANCEL."
    if value < 0 or (minimum_exclusive and value == 0):
        return (
            "The quantity must be more than 0."
            if minimum_exclusive
            else "The quantity cannot be negative."
        )
    return value


def on_defect_qty(turn: Turn) -> StepResult:
    state = turn.state
    prompt = state.prompt
    assert isinstance(prompt, EnterDefectQty)
    if turn.text.upper() == "#CANCEL":
        back = turn.settle(state)
        return turn.done(
            back, OperatorMessage.info(f"Defect {prompt.code} not recorded. {instruction(back)}")
        )
    qty = _qty_entry(turn, default=1.0, minimum_exclusive=True)
    if isinstance(qty, str):
        return turn.refuse(f"{qty} {instruction(state)}")
    if state.job is None:
        return turn.refuse("No job is running.")
    payload = ev.DefectFlagged(job_id=state.job.job_id, code=prompt.code, qty=qty)
    line = DefectLine(
        code=prompt.code, description=prompt.description, qty=qty, severity=prompt.severity
    )
    new = turn.settle(replace(state, job=replace(state.job, defects=state.job.defects + (line,))))
    text = f"Defect {prompt.code} x {fmt_qty(qty)} recorded. {instruction(new)}"
    return turn.done(new, OperatorMessage.ok(text), turn.event(payload))


def output_lot_id(station_id: str, number: int, now: object) -> str:
    """``LOT-{station}-{YYMMDD}-{NNNN}``: unique because the station and its counter are."""
    station = re.sub(r"[^A-Z0-9\-]", "-", station_id.upper())
    return f"LOT-{station}-{now:%y%m%d}-{number:04d}"


def cmd_confirm(turn: Turn) -> StepResult:
    return turn.say(f"Nothing to confirm. {instruction(turn.state)}")
