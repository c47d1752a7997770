"""Switching between normal, tightened and reduced inspection (ISO 2859-1:1999 clause 9).

Keep one SwitchingState per supplier x part x class of nonconformity (the
rules apply to each class separately, 9.2). ``next_state`` applies the result
of one lot on original inspection and returns the new state with the
transitions it caused, each with a sentence a person can read:

- 9.3.1 normal -> tightened: 2 of 5 or fewer consecutive lots not accepted;
- 9.3.2 tightened -> normal: 5 consecutive lots accepted;
- 9.3.3 normal -> reduced: switching score at least 30, production at a
  steady rate and reduced inspection approved by the responsible authority;
- 9.3.4 reduced -> normal: a lot not accepted, production irregular or
  delayed, or other conditions (``reinstate_normal``, a person's decision);
- 9.4 discontinuation: 5 lots not accepted in the sequence of consecutive
  lots on tightened inspection; only a person resumes it (``resume``), and
  inspection then restarts on tightened.

The switching score (9.3.3.2) starts at 0 when normal inspection starts and
is updated after each lot on original normal inspection: for a plan with
Ac >= 2, add 3 if the lot would also have been accepted at the AQL one step
tighter (same sample, Table 2-A), else reset to 0; for Ac 0 or 1, add 2 if
the lot is accepted, else reset to 0. Resubmitted lots do not count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from core.sampling.errors import SamplingError
from core.sampling.plans import SamplingPlan, judge, one_step_tighter

State = Literal["normal", "tightened", "reduced", "discontinued"]
STATES: tuple[State, ...] = ("normal", "tightened", "reduced", "discontinued")

TIGHTEN_AFTER = 2  # lots not accepted ...
TIGHTEN_WINDOW = 5  # ... within this many consecutive lots on normal inspection
RELAX_AFTER = 5  # consecutive lots accepted on tightened inspection
DISCONTINUE_AFTER = 5  # lots not accepted while on tightened inspection
REDUCE_AT_SCORE = 30
SCORE_STEP_TIGHTER = 3  # Ac >= 2, accepted one AQL step tighter
SCORE_ACCEPTED = 2  # Ac 0 or 1, accepted
STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class SwitchingState:
    """Where one supplier x part x class of nonconformity stands, as plain values.

    ``recent`` holds the last lots on normal inspection (label, accepted),
    enough for the 2-of-5 rule; ``accepted_run`` and ``rejected_on_tightened``
    hold the labels of the lots counted on tightened inspection.
    ``lots_judged`` counts every lot applied, and numbers lots given no label.
    """

    severity: State = "normal"
    switching_score: int = 0
    recent: tuple[tuple[str, bool], ...] = ()
    accepted_run: tuple[str, ...] = ()
    rejected_on_tightened: tuple[str, ...] = ()
    lots_judged: int = 0

    def __post_init__(self) -> None:
        if self.severity not in STATES:
            raise SamplingError(
                f"unknown switching state {self.severity!r}: use one of {', '.join(STATES)}"
            )

    @property
    def reduced_allowed_by_score(self) -> bool:
        """True on normal inspection once the switching score has reached 30."""
        return self.severity == "normal" and self.switching_score >= REDUCE_AT_SCORE

    def to_dict(self) -> dict[str, object]:
        """JSON-ready values; ``from_dict`` reads them back."""
        return {
            "version": STATE_VERSION,
            "severity": self.severity,
            "switching_score": self.switching_score,
            "recent": [[label, accepted] for label, accepted in self.recent],
            "accepted_run": list(self.accepted_run),
            "rejected_on_tightened": list(self.rejected_on_tightened),
            "lots_judged": self.lots_judged,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SwitchingState:
        """The state stored by ``to_dict``; SamplingError if the stored value is damaged."""
        try:
            if data.get("version", STATE_VERSION) != STATE_VERSION:
                raise ValueError(f"version {data.get('version')!r} is not {STATE_VERSION}")
            recent = tuple((str(label), _bool(ok)) for label, ok in _list(data, "recent"))
            state = cls(
                severity=_text(data.get("severity", "normal")),  # type: ignore[arg-type]
                switching_score=_count(data.get("switching_score", 0)),
                recent=recent,
                accepted_run=tuple(str(label) for label in _list(data, "accepted_run")),
                rejected_on_tightened=tuple(
                    str(label) for label in _list(data, "rejected_on_tightened")
                ),
                lots_judged=_count(data.get("lots_judged", 0)),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise SamplingError(f"stored switching state is not valid: {exc}") from None
        return state


def _list(data: Mapping[str, object], key: str) -> list:  # type: ignore[type-arg]
    value = data.get(key, [])
    if not isinstance(value, list | tuple):
        raise ValueError(f"{key} must be a list, not {value!r}")
    return list(value)


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not true or false")
    return value


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{value!r} is not a count")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    return value


@dataclass(frozen=True, slots=True)
class LotResult:
    """The result of one lot on original inspection with the plan that was used."""

    accepted: bool
    plan: SamplingPlan
    defectives: int
    lot: str | None = None  # the lot's name, used in reasons; numbered when None
    resubmitted: bool = False  # resubmitted lots do not count for switching

    def __post_init__(self) -> None:
        decided = judge(self.plan, self.defectives) == "accept"
        if decided != self.accepted:
            word = "accepted" if self.accepted else "rejected"
            raise SamplingError(
                f"lot result says {word}, but {self.defectives} nonconforming against "
                f"Ac {self.plan.ac} / Re {self.plan.re} means it is "
                f"{'accepted' if decided else 'rejected'}"
            )


def lot_result(
    plan: SamplingPlan, defectives: int, *, lot: str | None = None, resubmitted: bool = False
) -> LotResult:
    """A LotResult judged from the plan and the count found in the sample."""
    accepted = judge(plan, defectives) == "accept"
    return LotResult(accepted, plan, defectives, lot=lot, resubmitted=resubmitted)


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of inspection severity and why, in words for the people who act on it."""

    from_severity: State
    to_severity: State
    reason: str
    clause: str  # the clause of ISO 2859-1:1999 that calls for it
    lot: str | None = None  # the lot whose result caused it, if any

    def to_dict(self) -> dict[str, object]:
        """JSON-ready values."""
        return {
            "from": self.from_severity,
            "to": self.to_severity,
            "reason": self.reason,
            "clause": self.clause,
            "lot": self.lot,
        }


Step = tuple[SwitchingState, tuple[Transition, ...]]


def next_state(
    state: SwitchingState,
    result: LotResult,
    *,
    steady_production: bool,
    reduced_approved: bool,
) -> Step:
    """Apply one lot's result of original inspection; return the new state and transitions.

    ``steady_production`` is whether production is at a steady rate (needed
    to go to reduced inspection, and its loss ends reduced inspection);
    ``reduced_approved`` is whether the responsible authority considers
    reduced inspection desirable. A resubmitted lot changes nothing.
    """
    if state.severity == "discontinued":
        raise SamplingError(
            "acceptance sampling is discontinued for this supplier and part: no lot can be "
            "judged until a person resumes inspection after the supplier's corrective action"
        )
    if result.resubmitted:
        return state, ()
    if result.plan.severity != state.severity:
        raise SamplingError(
            f"the lot was inspected on a {result.plan.severity} plan, but this supplier and "
            f"part are on {state.severity} inspection: take the {state.severity} plan"
        )
    label = result.lot if result.lot is not None else str(state.lots_judged + 1)
    counted = replace(state, lots_judged=state.lots_judged + 1)
    if state.severity == "normal":
        return _on_normal(counted, result, label, steady_production, reduced_approved)
    if state.severity == "tightened":
        return _on_tightened(counted, result, label)
    return _on_reduced(counted, result, label, steady_production)


def _on_normal(
    state: SwitchingState, result: LotResult, label: str, steady: bool, approved: bool
) -> Step:
    window = (*state.recent, (label, result.accepted))[-TIGHTEN_WINDOW:]
    rejected = [name for name, accepted in window if not accepted]
    if len(rejected) >= TIGHTEN_AFTER:
        reason = (
            f"{len(rejected)} of the last {len(window)} lots rejected "
            f"(lots {_names(rejected)}): tightened inspection"
        )
        return _enter(state, "tightened", reason, "9.3.1", label)
    score = _score(state.switching_score, result)
    kept = replace(state, switching_score=score, recent=window[-(TIGHTEN_WINDOW - 1) :])
    if score >= REDUCE_AT_SCORE and steady and approved:
        reason = (
            f"switching score {score} (30 or more), production steady and reduced "
            "inspection approved: reduced inspection"
        )
        return _enter(kept, "reduced", reason, "9.3.3", label)
    return kept, ()


def _score(score: int, result: LotResult) -> int:
    """ISO 2859-1:1999 9.3.3.2 a), single sampling."""
    if result.plan.ac >= 2:
        tighter = one_step_tighter(result.plan)
        # for every normal plan with Ac >= 2 the cell one column tighter on the same
        # row is a plan (tests check all of them); no tighter plan cannot earn points
        if tighter is not None and result.defectives <= tighter[2]:
            return score + SCORE_STEP_TIGHTER
        return 0
    return score + SCORE_ACCEPTED if result.accepted else 0


def _on_tightened(state: SwitchingState, result: LotResult, label: str) -> Step:
    if result.accepted:
        run = (*state.accepted_run, label)
        if len(run) >= RELAX_AFTER:
            reason = (
                f"{len(run)} consecutive lots accepted on tightened inspection "
                f"(lots {run[0]} to {run[-1]}): normal inspection"
            )
            return _enter(state, "normal", reason, "9.3.2", label)
        return replace(state, accepted_run=run), ()
    rejected = (*state.rejected_on_tightened, label)
    if len(rejected) >= DISCONTINUE_AFTER:
        reason = (
            f"{len(rejected)} lots rejected while on tightened inspection "
            f"(lots {_names(list(rejected))}): acceptance sampling discontinued until the "
            "supplier has acted to improve quality and the responsible authority accepts it"
        )
        return _enter(state, "discontinued", reason, "9.4", label)
    return replace(state, accepted_run=(), rejected_on_tightened=rejected), ()


def _on_reduced(state: SwitchingState, result: LotResult, label: str, steady: bool) -> Step:
    if not result.accepted:
        reason = f"lot {label} rejected on reduced inspection: normal inspection"
        return _enter(state, "normal", reason, "9.3.4", label)
    if not steady:
        reason = f"production irregular or delayed (after lot {label}): normal inspection"
        return _enter(state, "normal", reason, "9.3.4", label)
    return state, ()


def _enter(
    state: SwitchingState, severity: State, reason: str, clause: str, lot: str | None
) -> Step:
    """A fresh state for the new severity: counters and score start again at 0."""
    fresh = SwitchingState(severity=severity, lots_judged=state.lots_judged)
    return fresh, (Transition(state.severity, severity, reason, clause, lot),)


def _names(labels: list[str]) -> str:
    if len(labels) == 1:
        return labels[0]
    return f"{', '.join(labels[:-1])} and {labels[-1]}"


def reinstate_normal(state: SwitchingState, reason: str) -> Step:
    """End reduced inspection because other conditions warrant it (9.3.4 c), a person's call."""
    if state.severity != "reduced":
        raise SamplingError(
            f"normal inspection is reinstated this way only from reduced inspection; "
            f"this supplier and part are on {state.severity} inspection"
        )
    return _enter(state, "normal", f"{_said(reason)}: normal inspection", "9.3.4", None)


def resume(state: SwitchingState, reason: str) -> Step:
    """Resume discontinued inspection, on tightened inspection (9.4), a person's decision.

    ``reason`` should name the supplier's corrective action that the
    responsible authority accepted.
    """
    if state.severity != "discontinued":
        raise SamplingError(
            f"only discontinued inspection can be resumed; this supplier and part are on "
            f"{state.severity} inspection"
        )
    said = f"inspection resumed ({_said(reason)}): tightened inspection"
    return _enter(state, "tightened", said, "9.4", None)


def _said(reason: str) -> str:
    text = " ".join(str(reason).split())
    if not text:
        raise SamplingError("say why, in a few words: the reason is kept with the change")
    return text
