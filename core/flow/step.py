"""The station's entry points: ``step``, ``tick`` (idle logout), ``server_rejected``.

``step(state, entry, ctx)`` takes the state and one scan or typed line (or a
device ``Reading``) and returns a ``StepResult``: the new state, the actions
to carry out and the message for the operator. Nothing here does I/O.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from core.flow import completion as c
from core.flow import handlers as h
from core.flow.actions import OperatorMessage, StepResult
from core.flow.approvals import AwaitApproval
from core.flow.context import Entry, FlowContext, Input
from core.flow.flow import Flow, Turn
from core.flow.state import (
    ConfirmCancelJob,
    ConfirmMeasurement,
    EnterDefectQty,
    EnterGoodQty,
    EnterScrapQty,
    StationState,
)

DEFAULT_FLOW = Flow(general=h.general, reading=h.on_reading).extend(
    prompt_handlers={
        ConfirmMeasurement: h.on_confirm_measurement,
        EnterDefectQty: h.on_defect_qty,
        EnterGoodQty: c.on_good_qty,
        EnterScrapQty: c.on_scrap_qty,
        ConfirmCancelJob: h.on_confirm_cancel_job,
        AwaitApproval: c.on_await_approval,
    },
    commands={
        "LOGOUT": h.cmd_logout,
        "CANCEL": h.cmd_cancel,
        "DONE": c.cmd_done,
        "CONFIRM": h.cmd_confirm,
    },
    scans={
        "badge": h.on_badge,
        "work_order": h.on_work_order,
        "lot": h.on_lot,
        "serial": h.on_serial,
        "defect": h.on_defect,
    },
    completion_guards=(c.completion_checks,),
)


def step(
    state: StationState, entry: Input | str, ctx: FlowContext, flow: Flow = DEFAULT_FLOW
) -> StepResult:
    """Handle one scan, typed line or reading with the standard flow."""
    return flow.step(state, entry, ctx)


def tick(state: StationState, ctx: FlowContext, flow: Flow = DEFAULT_FLOW) -> StepResult | None:
    """Log the operator out after ``ctx.idle_timeout`` without a scan; None if nothing happens."""
    if state.operator is None or ctx.idle_timeout is None or state.last_activity is None:
        return None
    now = ctx.clock()
    if now - state.last_activity < ctx.idle_timeout:
        return None
    turn = Turn(flow, state, Entry(""), ctx, now)
    return h.logout(turn, reason="idle")


def resume(state: StationState, ctx: FlowContext, flow: Flow = DEFAULT_FLOW) -> StationState:
    """The state to continue from after a restart: half-done prompts are dropped."""
    if state.prompt.modal:
        return replace(state, prompt=flow.next_prompt(state, ctx))
    return state


def server_rejected(
    state: StationState,
    event_type: str,
    payload: dict[str, Any],
    reason: str,
    ctx: FlowContext,
    flow: Flow = DEFAULT_FLOW,
) -> StepResult | None:
    """Undo locally what the server refused, so the station does not build on it.

    Returns None when the state does not change (the rejection is still shown).
    """
    job = state.job
    try:
        job_id = uuid.UUID(str(payload.get("job_id")))
    except ValueError:
        return None
    if job is None or job.job_id != job_id:
        return None
    turn = Turn(flow, state, Entry(""), ctx, ctx.clock())

    def settle(changed: StationState) -> StationState:
        # A half-done prompt (a quantity being typed) survives unless the job is gone.
        if changed.prompt.modal and changed.job is not None:
            return changed
        return turn.settle(changed)

    if event_type == "JobStarted":
        new = settle(replace(state, job=None))
        text = f"The server refused job {job.work_order}: {reason}. The job was stopped here."
        return StepResult(state=new, message=OperatorMessage.error(text))
    if event_type == "LotConsumed":
        lot, qty = str(payload.get("lot")), float(payload.get("qty", 0))
        line = job.material(str(payload.get("part")))
        if line is None:
            return None
        lots = list(line.lots)
        if (lot, qty) in lots:
            lots.remove((lot, qty))
        line = replace(line, consumed=max(0.0, round(line.consumed - qty, 6)), lots=tuple(lots))
        new = settle(replace(state, job=job.with_material(line)))
        return StepResult(
            state=new, message=OperatorMessage.error(f"The server refused lot {lot}: {reason}.")
        )
    if event_type == "MeasurementRecorded":
        plan = job.characteristic(str(payload.get("characteristic")))
        if plan is None:
            return None
        plan = replace(plan, measured=max(0, plan.measured - 1))
        new = settle(replace(state, job=job.with_characteristic(plan)))
        return StepResult(
            state=new, message=OperatorMessage.error(f"The server refused a measurement: {reason}.")
        )
    return None
