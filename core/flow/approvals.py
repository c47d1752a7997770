"""A second person at the station: a supervisor approving a skip or an over-run, and an
operator taking over a running job.

Each is one prompt, ``AwaitApproval``: the approver scans their badge (the person
taking over a job has just scanned theirs), types their PIN, and, for a skip, says
why. The station checks the badge's role against ``core.permissions`` and the PIN
against the hash its feed carries, offline; the server checks the role and the
approver's presence again when the events arrive. ``#CANCEL`` records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar, Literal

from core import events as ev
from core.flow.actions import OperatorMessage, RecordEvent, StepResult
from core.flow.flow import Turn
from core.flow.state import OperatorSession, Prompt, PromptText, StationState, register_prompt
from core.permissions import Action, may, refusal
from core.security import verify_pin

Purpose = Literal["skip", "overrun", "handover"]
_NEEDS: dict[str, Action] = {"skip": Action.OPERATION_SKIP, "overrun": Action.OVERRUN_APPROVE}
_TITLES = {
    "skip": "SKIP NEEDS APPROVAL",
    "overrun": "OVER-RUN: SUPERVISOR",
    "handover": "TAKE OVER JOB?",
}
MAX_PIN_TRIES = 3


@register_prompt
@dataclass(frozen=True, slots=True)
class AwaitApproval(Prompt):
    kind: ClassVar[str] = "await_approval"
    modal: ClassVar[bool] = True

    purpose: Purpose = "skip"
    detail: str = ""  # what is being approved, as the operator was told
    badge: str = ""  # the approver (or the operator taking over), once scanned
    name: str = ""
    pin_ok: bool = False
    tries: int = 0
    # what to do once approved
    work_order: str = ""
    lot: str = ""
    skip: tuple[int, ...] = ()
    good: float = 0.0
    scrap: float = 0.0

    @property
    def stage(self) -> str:
        if not self.badge:
            return "badge"
        if not self.pin_ok:
            return "pin"
        return "reason"

    def describe(self, state: StationState) -> PromptText:
        if self.stage == "badge":
            doing = {"skip": "skipping it", "overrun": "the over-run"}.get(self.purpose, "it")
            ask = f"A supervisor scans their badge to approve {doing}; #CANCEL: back."
        elif self.stage == "pin":
            ask = f"{self.name}: type your PIN to confirm; #CANCEL: back."
        else:
            ask = f"{self.name}: type the reason for the skip (it is recorded); #CANCEL: back."
        return PromptText(_TITLES[self.purpose], f"{self.detail} {ask}".strip())


def takes_over(role: str) -> bool:
    """Whether a badge scanned at a running job is a hand-over (confirmed with the PIN).

    Operators and inspectors take the job over. A supervisor or quality engineer steps in
    (to acknowledge a signal, approve, release) and logs in without taking it over."""
    return not may(role, Action.SIGNAL_ACKNOWLEDGE)


def ask(turn: Turn, prompt: AwaitApproval) -> StepResult:
    """Put ``prompt`` up (the operator's message says what is waiting for whom)."""
    new = replace(turn.state, prompt=prompt)
    return turn.done(new, OperatorMessage.warn(prompt.describe(new).detail))


@dataclass(frozen=True, slots=True)
class Approved:
    """The approval is complete: what was approved, by whom, and the reason given."""

    prompt: AwaitApproval
    reason: str = ""
    present: RecordEvent | None = None  # the approver badged in (a skip or an over-run)


def advance(turn: Turn) -> StepResult | Approved:
    """One entry at the approval prompt: the next stage, a refusal, or the approval."""
    prompt = turn.state.prompt
    assert isinstance(prompt, AwaitApproval)
    if turn.text.upper() == "#CANCEL":
        back = turn.settle(turn.state)
        what = {"skip": "Skip not approved", "overrun": "Over-run not confirmed: the job stays open",
                "handover": "Job not taken over"}[prompt.purpose]  # fmt: skip
        return turn.done(back, OperatorMessage.info(f"{what}; nothing recorded."))
    if prompt.stage == "badge":
        return _badge(turn, prompt)
    if prompt.stage == "pin":
        return _pin(turn, prompt)
    reason = turn.text.strip()
    if len(reason) < 3:
        return turn.refuse("Type the reason for the skip (a few words), or #CANCEL.")
    return _approved(turn, prompt, reason)


def _badge(turn: Turn, prompt: AwaitApproval) -> StepResult:
    scan = turn.scan()
    if scan.kind != "badge":
        return turn.refuse(f"Waiting for a supervisor's badge. {prompt.detail}")
    who = turn.ctx.reference.operator(scan.badge)  # type: ignore[union-attr]
    if who is None or not who.active:
        return turn.refuse(f"Badge {scan.badge} is not known here.")  # type: ignore[union-attr]
    action = _NEEDS[prompt.purpose]
    if not may(who.role, action):
        return turn.refuse(f"{refusal(action, who.badge, who.role)}. Call a supervisor.")
    return ask(turn, replace(prompt, badge=who.badge, name=who.name))


def _pin(turn: Turn, prompt: AwaitApproval) -> StepResult | Approved:
    who = turn.ctx.reference.operator(prompt.badge)
    if who is None or not verify_pin(turn.text, who.pin_hash):
        tries = prompt.tries + 1
        if tries >= MAX_PIN_TRIES:
            back = turn.settle(turn.state)
            return turn.done(
                back, OperatorMessage.error("Wrong PIN three times: nothing recorded.")
            )
        new = replace(turn.state, prompt=replace(prompt, tries=tries))
        return turn.done(
            new, OperatorMessage.error(f"Wrong PIN ({tries} of {MAX_PIN_TRIES}). Type it again.")
        )
    approved = replace(prompt, pin_ok=True)
    if prompt.purpose == "skip":
        return ask(turn, approved)
    return _approved(turn, approved, "")


def _approved(turn: Turn, prompt: AwaitApproval, reason: str) -> Approved:
    present = None
    if prompt.purpose != "handover":
        present = turn.event(
            ev.PersonPresent(badge=prompt.badge, purpose="approval"), operator_id=prompt.badge
        )
    return Approved(prompt=prompt, reason=reason, present=present)


def with_approval(result: StepResult, approved: Approved) -> StepResult:
    """``result`` (the approved step) with the approver's presence recorded before it."""
    if result.refused or approved.present is None:
        return result
    return replace(
        result, actions=(approved.present, *result.actions),
        message=replace(result.message, text=f"Approved by {approved.prompt.name}. {result.message.text}"),
    )  # fmt: skip


def hand_over(turn: Turn, prompt: AwaitApproval) -> StepResult:
    state = turn.state
    job = state.job
    if job is None:  # the job ended meanwhile: a plain login
        return turn.refuse("No job is running any more: scan your badge to log in.")
    who = turn.ctx.reference.operator(prompt.badge)
    assert who is not None
    previous = state.operator.badge if state.operator else (job.operator or "")
    actions = []
    if state.operator is not None:
        actions.append(
            turn.event(ev.OperatorLoggedOut(badge=state.operator.badge, reason="logout"))
        )
    actions.append(turn.event(ev.OperatorLoggedIn(badge=who.badge), operator_id=who.badge))
    actions.append(
        turn.event(ev.JobHandedOver(job_id=job.job_id, from_badge=previous or who.badge, to_badge=who.badge),
                   operator_id=who.badge)
    )  # fmt: skip
    session = OperatorSession(badge=who.badge, name=who.name, role=who.role, since=turn.now)
    new = turn.settle(replace(state, operator=session, job=replace(job, operator=who.badge)))
    text = (
        f"{who.name} took over job {job.work_order}"
        + (f" from {previous}" if previous else "")
        + "."
    )
    return turn.done(new, OperatorMessage.ok(text), *actions)
