"""Completing the running job: the checks before #DONE, good and scrap, an over-run the
plant's tolerance does not cover, and the approvals that finish a start or a completion."""

from __future__ import annotations

from dataclasses import replace

from core import events as ev
from core import routing as rt
from core.flow import approvals
from core.flow.actions import OperatorMessage, ShowOutputLot, StepResult
from core.flow.checks import fmt_qty, open_holds_here
from core.flow.flow import Turn
from core.flow.handlers import _qty_entry, instruction, output_lot_id, start_job, traveler_action
from core.flow.state import CompletedJob, EnterGoodQty, EnterScrapQty, Job, StationState


def completion_checks(state: StationState, _ctx: object) -> str | None:
    """Why #DONE is refused by default: material never scanned, a characteristic unmeasured."""
    job = state.job
    if job is None:
        return None
    for line in job.materials:
        if not line.started:
            return f"Scan a lot of {line.part} before completing."
    for plan in job.characteristics:
        if not plan.done:
            return f"Measure {plan.name} ({plan.id}) before completing."
    return None


def cmd_done(turn: Turn) -> StepResult:
    state = turn.state
    if state.job is None:
        return turn.refuse(f"No job is running. {instruction(state)}")
    reason = turn.flow.completion_refusal(state, turn.ctx)
    if reason:
        return turn.refuse(reason)
    new = replace(state, prompt=EnterGoodQty())
    return turn.done(new, OperatorMessage.info(instruction(new)))


def on_good_qty(turn: Turn) -> StepResult:
    state = turn.state
    if turn.text.upper() == "#CANCEL":
        back = turn.settle(state)
        return turn.done(
            back, OperatorMessage.info(f"Not completed: the job stays open. {instruction(back)}")
        )
    qty = _qty_entry(turn, default=None, minimum_exclusive=False)
    if isinstance(qty, str):
        return turn.refuse(f"{qty} {instruction(state)}")
    new = replace(state, prompt=EnterScrapQty(good_qty=qty))
    return turn.done(new, OperatorMessage.info(f"Good: {fmt_qty(qty)}. {instruction(new)}"))


def on_scrap_qty(turn: Turn) -> StepResult:
    state = turn.state
    prompt = state.prompt
    assert isinstance(prompt, EnterScrapQty)
    if turn.text.upper() == "#CANCEL":
        back = turn.settle(state)
        return turn.done(
            back, OperatorMessage.info(f"Not completed: the job stays open. {instruction(back)}")
        )
    job = state.job
    if job is None:
        return turn.refuse("No job is running.")
    qty = _qty_entry(turn, default=job.defect_qty, minimum_exclusive=False)
    if isinstance(qty, str):
        return turn.refuse(f"{qty} {instruction(state)}")
    if job.lot_qty is not None and prompt.good_qty + qty > job.lot_qty + 1e-9:
        return turn.done(
            replace(state, prompt=EnterGoodQty()),
            OperatorMessage.error(
                f"Good {fmt_qty(prompt.good_qty)} + scrap {fmt_qty(qty)} is more than the "
                f"{fmt_qty(job.lot_qty)} that came in on lot {job.input_lot}. Count again: "
                "type the good quantity."
            ),
        )
    over = overrun_text(turn, job, prompt.good_qty)
    if over:
        return approvals.ask(turn, approvals.AwaitApproval(
            purpose="overrun", detail=f"{over}.", good=prompt.good_qty, scrap=qty,
        ))  # fmt: skip
    return complete_job(turn, prompt.good_qty, qty)


def overrun_text(turn: Turn, job: Job, good: float) -> str | None:
    """Why completing ``good`` more needs a supervisor (the server's rule, ``core.routing``)."""
    wo = turn.ctx.reference.work_order(job.work_order)
    if wo is None:
        return None
    tolerance = float(turn.ctx.reference.production_settings().get("overrun_tolerance", 0.0))
    problem = rt.overrun_problem(
        wo.number, wo.qty, wo.made.get(job.operation, 0.0), good, tolerance
    )
    return f"{problem[0].upper()}{problem[1:]}" if problem else None


def complete_job(
    turn: Turn, good: float, scrap: float, approved_by: str | None = None
) -> StepResult:
    """Complete the running job with ``good`` and ``scrap`` (an over-run ``approved_by``)."""
    state = turn.state
    job = state.job
    if job is None:
        return turn.refuse("No job is running.")
    qty = scrap
    if job.output_lot:
        number, lot = state.output_lots_made, job.output_lot
    else:  # a job resumed from a state written before output lots were named at start
        number = state.output_lots_made + 1
        lot = output_lot_id(turn.ctx.station_id, number, turn.now)
    payload = ev.JobCompleted(
        job_id=job.job_id,
        output_lot=lot,
        good_qty=good,
        scrap_qty=qty,
        overrun_approved_by=approved_by,
    )
    parents = tuple(dict.fromkeys(job.consumed_lots))
    completed = CompletedJob(
        work_order=job.work_order,
        product=job.product,
        output_lot=lot,
        good_qty=good,
        scrap_qty=qty,
        consumed_lots=parents,
    )
    new = turn.settle(replace(state, job=None, output_lots_made=number, last_completed=completed))
    held = bool(open_holds_here(state, turn.ctx.reference, "lot", lot))
    text = (
        f"Job {job.work_order} complete: {'lot' if lot == job.input_lot else 'output lot'} {lot} "
        f"({fmt_qty(good)} good, {fmt_qty(qty)} scrap)."
        + (" Lot is HELD: put it in the hold area with its hold tag." if held else "")
        + f" {instruction(new)}"
    )
    show = ShowOutputLot(
        output_lot=lot,
        product=job.product,
        good_qty=good,
        scrap_qty=qty,
        parents=parents,
        held=held,
        operation=job.operation if lot == job.input_lot else None,
    )
    traveler = replace(
        traveler_action(
            replace(job, output_lot=lot),
            "complete",
            state.operator.badge if state.operator else "",
            turn.now,
            good,
            qty,
        ),
        held=held,
    )
    return turn.done(new, OperatorMessage.ok(text), turn.event(payload), show, traveler)


def on_await_approval(turn: Turn) -> StepResult:
    """A supervisor's approval (skip, over-run) or a hand-over, stage by stage."""
    answer = approvals.advance(turn)
    if isinstance(answer, StepResult):
        return answer
    prompt = answer.prompt
    base = turn.with_state(turn.settle(turn.state))
    if prompt.purpose == "handover":
        return approvals.hand_over(base, prompt)
    if prompt.purpose == "skip":
        result = start_job(
            base, prompt.work_order, prompt.lot or None, skip=prompt.skip, reason=answer.reason,
            approved_by=prompt.badge,
        )  # fmt: skip
    else:
        result = complete_job(base, prompt.good, prompt.scrap, approved_by=prompt.badge)
    return approvals.with_approval(result, answer)
