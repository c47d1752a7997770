"""Hints under the scan line: the keys that work now, and (demo) what to scan next."""

from __future__ import annotations

from core.flow import (
    AwaitApproval,
    ConfirmCancelJob,
    ConfirmMeasurement,
    EnterDefectQty,
    EnterGoodQty,
    EnterMeasurement,
    EnterScrapQty,
    ReadyToComplete,
    ReferenceData,
    ScanBadge,
    ScanLot,
    ScanWorkOrder,
    StationState,
)


def _prompt_hints() -> dict[type, str]:
    from core.flow.quality import AwaitInspector, HoldNotice, JobBlocked, StationHeld

    inspector = "Inspector: scan your badge   #CANCEL: cancel job   #LOGOUT: log out"
    return {
        ConfirmMeasurement: "#CONFIRM: record it   or type the right value   #CANCEL: discard it",
        ConfirmCancelJob: "#CONFIRM: cancel the job   anything else keeps it",
        AwaitApproval: "Badge, then PIN   #CANCEL: back, nothing recorded",
        HoldNotice: "Enter: acknowledge   #LOGOUT: log out",
        StationHeld: "#LOGOUT: log out   Nothing else works until quality releases the station.",
        JobBlocked: inspector,
        AwaitInspector: inspector,
    }


#: Prompts that take only a few entries (holds, blocks, a confirmation): those, and no others.
PROMPT_HINTS: dict[type, str] = _prompt_hints()


def key_hint(state: StationState) -> str:
    prompt = state.prompt
    if isinstance(prompt, ScanBadge):
        return "Scan or type a code, then Enter."
    if type(prompt) in PROMPT_HINTS:
        return PROMPT_HINTS[type(prompt)]
    if prompt.modal:
        return "Enter: accept   #CANCEL: back out, nothing is recorded"
    if state.job is None:
        return "#LOGOUT: log out"
    return "#DONE: complete   #CANCEL: cancel job   F2: defect list   #LOGOUT"


def _fmt(value: float) -> str:
    return f"{round(value, 4):g}"


def demo_hint(state: StationState, ref: ReferenceData) -> str:
    """A suggestion of what to scan next, from the demo plant's own data."""
    prompt = state.prompt
    job = state.job
    if isinstance(prompt, ScanBadge):
        return "Demo: type EMP1001 (Anna Keller) and press Enter."
    if isinstance(prompt, ScanWorkOrder):
        orders = [w.number for w in ref.work_orders() if w.status in ("released", "in_progress")]
        return (
            f"Demo: type {orders[0]} to start a job."
            if orders
            else "Demo: no work order is open here."
        )
    if isinstance(prompt, ScanLot):
        lots = [
            lot.id
            for lot in ref.lots_of_part(prompt.part)
            if lot.status == "available" and lot.qty > 0 and not ref.open_holds("lot", lot.id)
        ]
        return f"Demo: type {lots[0]} (a lot of {prompt.part})." if lots else "Demo: no lot left."
    if isinstance(prompt, EnterMeasurement) and job is not None:
        plan = job.characteristic(prompt.characteristic)
        if plan is None:
            return ""
        lo, hi = plan.lsl, plan.usl
        good = (
            plan.nominal
            if plan.nominal is not None
            else ((lo + hi) / 2 if lo is not None and hi is not None else (lo or hi or 0))
        )
        band = (hi - lo) if lo is not None and hi is not None else abs(good) * 0.1 or 1.0
        bad = (hi + 0.7 * band) if hi is not None else (lo - 0.7 * band)  # type: ignore[operator]
        return f"Demo: type {_fmt(good)} for a PASS or {_fmt(bad)} for a FAIL."
    if isinstance(prompt, ConfirmMeasurement):
        return "Demo: type #CONFIRM to keep the value, or type the right value."
    if isinstance(prompt, ReadyToComplete):
        codes = ref.defect_codes()
        code = next(
            (d.code for d in codes if d.severity == "minor"), codes[0].code if codes else ""
        )
        return (
            f"Demo: type {code} to flag a defect, then #DONE to complete."
            if code
            else "Demo: #DONE"
        )
    if isinstance(prompt, EnterDefectQty):
        return "Demo: type 2 and press Enter."
    if isinstance(prompt, EnterGoodQty) and job is not None:
        return f"Demo: type {_fmt(max(0.0, job.qty - job.defect_qty))}."
    if isinstance(prompt, EnterScrapQty):
        return "Demo: press Enter to take the defects flagged as scrap."
    if isinstance(prompt, ConfirmCancelJob):
        return "Demo: type #CONFIRM to cancel the job, anything else keeps it."
    return ""
