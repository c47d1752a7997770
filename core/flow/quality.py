"""The quality loop at the station: due inspection checks, reactions, holds.

``with_quality(flow)`` adds to a station flow:

- inspection plans: the check due now is prompted (first article first, then
  every unit / every Nth unit / once per lot / patrol interval), an inspector's
  badge is asked for when the plan says an inspector does the check, the job
  cannot go beyond its first unit until the first article passes, and
  ``#DONE`` is refused while a required check is missing;
- reactions: a failed check or a critical defect sets off the plan's reaction
  (hold the lot being made, hold the station, stop the line, print a hold
  tag) at once, even offline; the server carries out the same plan when the
  event arrives and names the same holds;
- holds: a full-screen notice when the lot being made, a lot the job used, its
  work order or the station is held; a held station accepts no work;
- ``#HOLD``: a supervisor, inspector or quality engineer holds a lot or work
  order from the station.

Per-job progress lives in ``job.extras``; station-wide notes in ``state.extras``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar

from core import events as ev
from core.flow.actions import (
    Action,
    OperatorMessage,
    PrintHoldTag,
    RecordEvent,
    SetAndon,
    ShowVerdict,
    StepResult,
    StopLine,
)
from core.flow.checks import open_holds_here
from core.flow.context import FlowContext
from core.flow.flow import Flow, Turn
from core.flow.state import (
    EnterMeasurement,
    Job,
    Prompt,
    PromptText,
    StationState,
    register_prompt,
)
from core.permissions import with_article
from core.quality.inspection import (
    CheckRecord,
    InspectionRule,
    JobProgress,
    due_checks,
    first_article_status,
    may_start_unit,
    missing_before_complete,
    unit_checks_complete,
)
from core.quality.reactions import DEFAULT_ON_CRITICAL_DEFECT, DEFAULT_ON_FAIL, hold_id

INSPECTOR_ROLES = frozenset({"inspector", "quality_engineer", "supervisor", "mrb", "admin"})
HOLD_ROLES = frozenset({"inspector", "quality_engineer", "supervisor", "mrb", "admin"})


# --- prompts -------------------------------------------------------------------------------


@register_prompt
@dataclass(frozen=True, slots=True)
class HoldNotice(Prompt):
    """Something this job touches is on hold: the operator must see it."""

    kind: ClassVar[str] = "hold_notice"
    hold_ids: tuple[str, ...] = ()
    target_type: str = "lot"
    target: str = ""
    reason: str = ""

    def describe(self, state: StationState) -> PromptText:
        what = {"lot": "Lot", "work_order": "Work order", "unit": "Unit"}.get(self.target_type, "")
        return PromptText(
            "ON HOLD — DO NOT USE",
            f"{what} {self.target} is ON HOLD: {self.reason}. Keep it apart. "
            "Press Enter to acknowledge.",
        )


@register_prompt
@dataclass(frozen=True, slots=True)
class StationHeld(Prompt):
    """The station is on hold: no work until quality releases it."""

    kind: ClassVar[str] = "station_held"
    reason: str = ""

    def describe(self, state: StationState) -> PromptText:
        return PromptText(
            "STATION ON HOLD",
            f"{self.reason}. Stop work: nothing can be recorded here until quality "
            "releases the station. #LOGOUT logs out.",
        )


@register_prompt
@dataclass(frozen=True, slots=True)
class JobBlocked(Prompt):
    """The first article failed: the job waits for a new first piece to pass."""

    kind: ClassVar[str] = "job_blocked"
    reason: str = ""
    characteristic: str = ""

    def describe(self, state: StationState) -> PromptText:
        return PromptText(
            "JOB BLOCKED",
            f"{self.reason}. An inspector scans their badge to re-inspect a new first "
            "piece; #CANCEL cancels the job.",
        )


@register_prompt
@dataclass(frozen=True, slots=True)
class AwaitInspector(Prompt):
    """A check the plan gives to an inspector."""

    kind: ClassVar[str] = "await_inspector"
    characteristic: str = ""
    reason: str = ""

    def describe(self, state: StationState) -> PromptText:
        return PromptText(
            "INSPECTOR CHECK",
            f"{self.characteristic} ({self.reason}) is checked by an inspector: "
            "an inspector scans their badge.",
        )


@register_prompt
@dataclass(frozen=True, slots=True)
class HoldScanTarget(Prompt):
    kind: ClassVar[str] = "hold_scan_target"
    modal: ClassVar[bool] = True

    def describe(self, state: StationState) -> PromptText:
        return PromptText("HOLD WHAT?", "Scan the lot or work order to hold; #CANCEL backs out.")


@register_prompt
@dataclass(frozen=True, slots=True)
class HoldEnterReason(Prompt):
    kind: ClassVar[str] = "hold_enter_reason"
    modal: ClassVar[bool] = True
    target_type: str = "lot"
    target: str = ""

    def describe(self, state: StationState) -> PromptText:
        return PromptText(
            "HOLD REASON", f"Type why {self.target} is held, then Enter; #CANCEL backs out."
        )


# --- progress ------------------------------------------------------------------------------


def _operation_characteristics(state: StationState, ctx: FlowContext) -> list[Any]:
    job = state.job
    if job is None:
        return []
    routing = ctx.reference.routing(job.product)
    op = routing.operation_for(ctx.station_id) if routing else None
    return list(op.characteristics) if op else []


def inspection_rules(state: StationState, ctx: FlowContext) -> list[InspectionRule]:
    rules = []
    planned = {c.id for c in state.job.characteristics} if state.job else set()
    for ch in _operation_characteristics(state, ctx):
        if ch.inspection and ch.id in planned:
            try:
                rules.append(InspectionRule(characteristic=ch.id, **ch.inspection))
            except (TypeError, ValueError):
                continue  # the server validated the plan; a stale cache must not stop the line
    return rules


def progress(job: Job) -> JobProgress:
    checks = tuple(
        CheckRecord(c[0], int(c[1]), datetime.fromisoformat(c[2]), c[3], bool(c[4]))
        for c in job.extras.get("checks", ())
    )
    return JobProgress(
        started_at=job.started_at, units_done=int(job.extras.get("units_done", 0)), checks=checks
    )


def _job_extras(job: Job, **values: Any) -> Job:
    return replace(job, extras={**job.extras, **values})


def _state_extras(state: StationState, **values: Any) -> StationState:
    return replace(state, extras={**state.extras, **values})


def _role(state: StationState) -> str:
    return state.operator.role if state.operator else ""


# --- holds the station must show -------------------------------------------------------------


def _local_holds(state: StationState) -> list[dict[str, str]]:
    return list(state.extras.get("local_holds", ()))


def _open_holds(
    state: StationState, ctx: FlowContext, target_type: str, target: str
) -> list[tuple[str, str]]:
    """(id, reason) of holds on a target: from the cache, plus those placed here not yet synced."""
    return open_holds_here(state, ctx.reference, target_type, target)


def _pending_notice(state: StationState, ctx: FlowContext) -> Prompt | None:
    station_holds = _open_holds(state, ctx, "station", ctx.station_id)
    if station_holds:
        return StationHeld(reason="; ".join(dict.fromkeys(r for _, r in station_holds)))
    job = state.job
    if job is None:
        return None
    acked = set(state.extras.get("ack_holds", ()))
    targets: list[tuple[str, str]] = []
    if job.output_lot:
        targets.append(("lot", job.output_lot))
    targets += [("lot", lot) for lot in dict.fromkeys(job.consumed_lots)]
    targets.append(("work_order", job.work_order))
    for target_type, target in targets:
        holds = [(i, r) for i, r in _open_holds(state, ctx, target_type, target) if i not in acked]
        if holds:
            return HoldNotice(
                hold_ids=tuple(i for i, _ in holds),
                target_type=target_type,
                target=target,
                reason="; ".join(dict.fromkeys(r for _, r in holds)),
            )
    return None


# --- prompt rule ---------------------------------------------------------------------------


def quality_prompt(state: StationState, ctx: FlowContext) -> Prompt | None:
    notice = _pending_notice(state, ctx)
    if notice is not None:
        return notice
    job = state.job
    if job is None or any(line.remaining > 0 for line in job.materials):
        return None
    rules = inspection_rules(state, ctx)
    if not rules:
        return None
    prog = progress(job)
    ok, why = may_start_unit(rules, prog)
    if not ok:
        fa = next((r.characteristic for r in rules if r.first_article), "")
        return JobBlocked(reason=why[0].upper() + why[1:], characteristic=fa)
    due = due_checks(rules, prog, ctx.clock())
    ruled = {r.characteristic for r in rules}
    first_article_due = bool(due) and due[0].first_article
    if not first_article_due and any(
        not plan.done for plan in job.characteristics if plan.id not in ruled
    ):
        return None  # characteristics without a plan are measured once, in the usual order
    if not due:
        return None
    check = due[0]
    if (
        check.role == "inspector"
        and _role(state) not in INSPECTOR_ROLES
        and not job.extras.get("inspector")
    ):
        return AwaitInspector(characteristic=check.characteristic, reason=check.reason)
    return EnterMeasurement(characteristic=check.characteristic)


# --- prompt handlers -------------------------------------------------------------------------


def _passes_through(turn: Turn) -> bool:
    return turn.text.upper() in ("#LOGOUT", "#CANCEL")


def on_hold_notice(turn: Turn) -> StepResult | Turn | None:
    """Enter (or #CONFIRM) acknowledges; any other entry acknowledges and is handled as usual."""
    prompt = turn.state.prompt
    assert isinstance(prompt, HoldNotice)
    if turn.text.upper() == "#LOGOUT":
        return None
    acked = tuple(dict.fromkeys([*turn.state.extras.get("ack_holds", ()), *prompt.hold_ids]))
    new = turn.settle(_state_extras(turn.state, ack_holds=acked))
    note = f"{prompt.target} stays ON HOLD until quality disposes it."
    if turn.text in ("", "#CONFIRM", "#confirm"):
        return turn.done(new, OperatorMessage.warn(f"{note} {new.prompt.describe(new).detail}"))
    return turn.with_state(new, note=note)


def on_station_held(turn: Turn) -> StepResult | None:
    prompt = turn.state.prompt
    assert isinstance(prompt, StationHeld)
    if turn.text.upper() == "#LOGOUT" or turn.scan().kind == "badge":
        return None
    return turn.refuse(f"Station is ON HOLD: {prompt.reason}. Nothing can be recorded here.")


def _inspector_badge(turn: Turn) -> str | None | StepResult:
    scan = turn.scan()
    if scan.kind != "badge":
        return None
    who = turn.ctx.reference.operator(scan.badge)  # type: ignore[union-attr]
    if who is None or not who.active:
        return turn.refuse(f"Badge {scan.badge} is not known here.")  # type: ignore[union-attr]
    if who.role not in INSPECTOR_ROLES:
        return turn.refuse(
            f"{who.name} is {with_article(who.role)}: this check needs an inspector."
        )
    return who.badge


def _inspector_takes_over(
    turn: Turn, characteristic: str, waiting: str, lead: str
) -> StepResult | None:
    """An inspector's badge hands the check of ``characteristic`` to that inspector."""
    if _passes_through(turn):
        return None
    badge = _inspector_badge(turn)
    if isinstance(badge, StepResult):
        return badge
    if badge is None:
        return turn.refuse(waiting)
    job = _job_extras(turn.state.job, inspector=badge)  # type: ignore[arg-type]
    new = replace(
        turn.state, job=job, prompt=EnterMeasurement(characteristic=characteristic, chosen=True)
    )
    # The server learns the inspector is here, so the check is recorded in their name.
    present = turn.event(ev.PersonPresent(badge=badge, purpose="inspection"), operator_id=badge)
    return turn.done(
        new, OperatorMessage.info(f"{lead}: {new.prompt.describe(new).detail}"), present
    )


def on_await_inspector(turn: Turn) -> StepResult | None:
    prompt = turn.state.prompt
    assert isinstance(prompt, AwaitInspector)
    return _inspector_takes_over(
        turn,
        prompt.characteristic,
        f"Waiting for an inspector: {prompt.characteristic} is an inspector's check.",
        f"Inspector {turn.text.strip().upper()}",
    )


def on_job_blocked(turn: Turn) -> StepResult | None:
    prompt = turn.state.prompt
    assert isinstance(prompt, JobBlocked)
    return _inspector_takes_over(
        turn,
        prompt.characteristic,
        f"Job blocked: {prompt.reason}.",
        "Re-inspect a new first piece",
    )


def cmd_hold(turn: Turn) -> StepResult:
    if _role(turn.state) not in HOLD_ROLES:
        return turn.refuse(
            "Only a supervisor, inspector or quality engineer can place a hold: call one."
        )
    new = replace(turn.state, prompt=HoldScanTarget())
    return turn.done(new, OperatorMessage.info(new.prompt.describe(new).detail))


def on_hold_target(turn: Turn) -> StepResult:
    if turn.text.upper() == "#CANCEL":
        back = turn.settle(turn.state)
        return turn.done(back, OperatorMessage.info("No hold placed."))
    scan = turn.scan()
    if scan.kind == "lot":
        target_type, target = "lot", scan.lot  # type: ignore[union-attr]
    elif scan.kind == "work_order":
        target_type, target = "work_order", scan.number  # type: ignore[union-attr]
    else:
        return turn.refuse("Scan a lot or a work order to hold (#CANCEL backs out).")
    new = replace(turn.state, prompt=HoldEnterReason(target_type=target_type, target=target))
    return turn.done(new, OperatorMessage.info(new.prompt.describe(new).detail))


def on_hold_reason(turn: Turn) -> StepResult:
    prompt = turn.state.prompt
    assert isinstance(prompt, HoldEnterReason)
    if turn.text.upper() == "#CANCEL":
        back = turn.settle(turn.state)
        return turn.done(back, OperatorMessage.info("No hold placed."))
    reason = turn.text.strip()
    if len(reason) < 3:
        return turn.refuse("Type a reason (a few words) for the hold.")
    new_hold = turn.ctx.new_id()
    who = turn.state.operator.badge if turn.state.operator else ""
    payload = ev.HoldPlaced(
        hold_id=new_hold,
        target_type=prompt.target_type,  # type: ignore[arg-type]
        target=prompt.target,  # type: ignore[arg-type]
        reason=reason,
        source="manual",
    )
    local = {
        "id": str(new_hold),
        "target_type": prompt.target_type,
        "target": prompt.target,
        "reason": reason,
    }
    state = _state_extras(turn.state, local_holds=[*_local_holds(turn.state), local])
    new = turn.settle(state)
    actions: list[Any] = [turn.event(payload)]
    if prompt.target_type == "lot":
        actions.append(
            PrintHoldTag(lot=prompt.target, reason=reason, ncr=None, placed_by=who, at=turn.now)
        )
    return turn.done(new, OperatorMessage.warn(f"{prompt.target} is ON HOLD: {reason}."), *actions)


# --- completion guard ----------------------------------------------------------------------


def completion_guard(state: StationState, ctx: FlowContext) -> str | None:
    if _open_holds(state, ctx, "station", ctx.station_id):
        return "The station is on hold: the job cannot be completed here now."
    job = state.job
    if job is None:
        return None
    rules = inspection_rules(state, ctx)
    if not rules:
        return None
    missing = missing_before_complete(rules, progress(job), ctx.clock())
    if missing:
        names = ", ".join(f"{m.characteristic} ({m.reason})" for m in missing)
        return f"#DONE refused: check still due: {names}."
    return None


# --- after hooks ---------------------------------------------------------------------------


def record_checks(turn: Turn, result: StepResult) -> StepResult:
    """Count each recorded measurement as a check of the unit in work."""
    records = [
        a
        for a in result.actions
        if isinstance(a, RecordEvent) and isinstance(a.payload, ev.MeasurementRecorded)
    ]
    job = result.state.job
    if not records or job is None or turn.state.job is None:
        return result
    rules = inspection_rules(result.state, turn.ctx)
    before = progress(turn.state.job)
    due_before = due_checks(rules, before, turn.now) if rules else []
    checks = list(job.extras.get("checks", ()))
    actions = list(result.actions)
    inspector = job.extras.get("inspector")
    for record in records:
        payload = record.payload
        assert isinstance(payload, ev.MeasurementRecorded)
        fa = any(d.first_article and d.characteristic == payload.characteristic for d in due_before)
        checks.append(
            [
                payload.characteristic,
                before.units_done,
                turn.now.isoformat(),
                payload.verdict or "pass",
                fa,
            ]
        )
        if inspector:
            actions[actions.index(record)] = replace(record, operator_id=inspector)
    extras: dict[str, Any] = {"checks": checks, "inspector": None}
    updated = _job_extras(job, **extras)
    if (
        rules
        and unit_checks_complete(rules, progress(updated))
        and first_article_status(rules, progress(updated)) != "failed"
    ):
        updated = _job_extras(updated, units_done=before.units_done + 1)
    state = replace(result.state, job=updated)
    if not state.prompt.modal:
        state = turn.settle(state)
    return replace(result, state=state, actions=tuple(actions))


def _reaction_kinds(
    turn: Turn, explicit: list[str] | None, default_key: str, default: tuple[str, ...]
) -> list[str]:
    if explicit is not None:
        return list(explicit)
    settings = turn.ctx.reference.quality_settings() or {}
    return list(settings.get(default_key, default))


def _measured(characteristic: str) -> Callable[[ev.Payload], bool]:
    return lambda p: isinstance(p, ev.MeasurementRecorded) and p.characteristic == characteristic


def _same(payload: ev.Payload) -> Callable[[ev.Payload], bool]:
    return lambda p: p is payload


def _name_cause(actions: list[Action], match: Callable[[ev.Payload], bool]) -> uuid.UUID:
    """Give the last recorded event ``match`` accepts an id (kept if it has one) and return it."""
    for i in range(len(actions) - 1, -1, -1):
        action = actions[i]
        if isinstance(action, RecordEvent) and match(action.payload):
            if action.event_id is None:
                action = actions[i] = replace(action, event_id=uuid.uuid4())
            assert action.event_id is not None
            return action.event_id
    return uuid.uuid4()  # nothing recorded it (cannot happen for a verdict): a hold of its own


def react_to_failures(turn: Turn, result: StepResult) -> StepResult:
    """A failed check or a critical defect: contain at once, even offline."""
    job = turn.state.job
    if job is None or result.refused:
        return result
    # The events that set the reactions off get their ids here, so a hold placed now has
    # the id the server will give it (core.quality.reactions.hold_id of the same cause).
    actions = list(result.actions)
    causes: list[tuple[list[str], str, uuid.UUID]] = []
    for action in result.actions:
        if isinstance(action, ShowVerdict) and action.verdict == "fail":
            ch = next(
                (
                    c
                    for c in _operation_characteristics(turn.state, turn.ctx)
                    if c.id == action.characteristic
                ),
                None,
            )
            kinds = _reaction_kinds(turn, ch.reaction if ch else None, "on_fail", DEFAULT_ON_FAIL)
            causes.append(
                (
                    kinds,
                    f"{action.characteristic} {action.value:g} {action.spec.unit} outside {action.spec.describe()}".replace(
                        "  ", " "
                    ),
                    _name_cause(actions, _measured(action.characteristic)),
                )
            )
        if isinstance(action, RecordEvent) and isinstance(action.payload, ev.DefectFlagged):
            code = turn.ctx.reference.defect_code(action.payload.code)
            if code is not None and (code.severity == "critical" or code.reaction):
                kinds = _reaction_kinds(
                    turn, code.reaction, "on_critical_defect", DEFAULT_ON_CRITICAL_DEFECT
                )
                causes.append((
                    kinds, f"{code.severity} defect {code.code} ({code.description})",
                    _name_cause(actions, _same(action.payload)),
                ))  # fmt: skip
    if not causes:
        return result
    state = result.state
    who = turn.state.operator.badge if turn.state.operator else ""
    notes: list[str] = []
    local = _local_holds(state)
    for kinds, reason, cause in causes:
        lot = (state.job.output_lot if state.job else None) or job.output_lot
        if "hold_lot" in kinds and lot:
            local.append(
                {
                    "id": str(hold_id(cause, "lot", lot)),
                    "target_type": "lot",
                    "target": lot,
                    "reason": reason,
                }
            )
            actions.append(
                PrintHoldTag(lot=lot, reason=reason, ncr=None, placed_by=who, at=turn.now)
            )
            notes.append(f"lot {lot} is ON HOLD")
        if "hold_station" in kinds:
            local.append(
                {
                    "id": str(hold_id(cause, "station", turn.ctx.station_id)),
                    "target_type": "station",
                    "target": turn.ctx.station_id,
                    "reason": reason,
                }
            )
            notes.append("the station is ON HOLD")
        if "line_stop" in kinds:
            actions.append(StopLine(reason=reason))
            notes.append("the line is stopped")
        if any(k in kinds for k in ("hold_lot", "hold_station", "line_stop")):
            actions.append(SetAndon("red"))
    state = _state_extras(state, local_holds=local)
    if not state.prompt.modal:
        state = turn.settle(state)
    text = result.message.text
    if notes:
        text = f"{text} Containment: {', '.join(notes)}; supervisor notified."
    return replace(
        result, state=state, actions=tuple(actions), message=replace(result.message, text=text)
    )


def guard_local_holds(turn: Turn, result: StepResult) -> StepResult:
    """A lot held here (not yet synced) is refused like one the cache knows is held."""
    for action in result.actions:
        if isinstance(action, RecordEvent) and isinstance(action.payload, ev.LotConsumed):
            held = [
                h
                for h in _local_holds(turn.state)
                if h["target_type"] == "lot" and h["target"] == action.payload.lot
            ]
            if held:
                return turn.refuse(
                    f"Lot {action.payload.lot} is ON HOLD: {held[0]['reason']}. Do not use it."
                )
    return result


def forget_synced_holds(
    state: StationState, ctx: FlowContext, everything_synced: bool
) -> StationState:
    """Drop holds placed here once the server speaks for them: when the feed has a hold on
    the same target, or when every event was answered and the feed read after that."""
    local = _local_holds(state)
    if not local:
        return state
    keep = (
        []
        if everything_synced
        else [h for h in local if not ctx.reference.open_holds(h["target_type"], h["target"])]
    )
    return _state_extras(state, local_holds=keep) if len(keep) != len(local) else state


def with_quality(flow: Flow) -> Flow:
    return flow.extend(
        prompt_handlers={
            HoldNotice: on_hold_notice,
            StationHeld: on_station_held,
            JobBlocked: on_job_blocked,
            AwaitInspector: on_await_inspector,
            HoldScanTarget: on_hold_target,
            HoldEnterReason: on_hold_reason,
        },
        commands={"HOLD": cmd_hold},
        prompt_rules=(quality_prompt,),
        completion_guards=(completion_guard,),
        after=(guard_local_holds, record_checks, react_to_failures),
    )
