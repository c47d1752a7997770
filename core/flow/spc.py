"""SPC at the station: the chart drawn after each measurement, and acknowledging signals.

Two pure parts, no I/O:

- **The station's chart.** ``ChartPoint`` is one plotted point as the kiosk
  keeps it (the last few per characteristic). It comes from the server's
  measurement outcome (``outcome["spc"]``, authoritative) or, so the chart
  works offline too, from ``plot_here``: the cached frozen limits
  (``SpcLimitsRef``) and the station's own values charted with
  ``core.spc.ChartStream``, the rule state rebuilt from the points kept.
- **Acknowledging a signal.** An open SPC signal at this station needs a
  note (assignable cause, action taken) from a supervisor, inspector,
  quality engineer, MRB or admin badge. When one of them is logged in, the
  ``AcknowledgeSpcSignal`` prompt claims the next prompt; the typed note
  records ``SpcSignalAcknowledged`` through the outbox; ``#CANCEL`` leaves it
  for later (it is asked again at the next login). Compose it into a flow
  with ``with_spc(flow)``.

The flow learns which signals are open from its reference data when that
implements ``SpcSignals`` (the kiosk cache does); otherwise nothing happens.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import ValidationError

from core.events.spc import SpcLimitsRef, SpcSignalAcknowledged, SpcSignalRef
from core.flow.actions import OperatorMessage, StepResult
from core.flow.context import FlowContext
from core.flow.flow import Flow, Turn
from core.flow.handlers import instruction, parse_number
from core.flow.state import Prompt, PromptText, StationState, register_prompt
from core.spc import ChartStream, ControlLimits, RuleSpec, SpcError, parse_rules, standard_limits

#: Points a station keeps per characteristic (also the longest rule window needed to resume).
CHART_POINTS = 50
#: Who may acknowledge a signal (the server checks the same roles).
ACK_ROLES = frozenset({"supervisor", "inspector", "quality_engineer", "mrb", "admin"})
#: The part drawn at the kiosk for each chart type (spread parts are named in words only).
MAIN_PART = {"imr": "i", "xbar-r": "xbar", "xbar-s": "xbar"}
PART_LABEL = {"i": "I", "mr": "MR", "xbar": "Xbar", "r": "R", "s": "S"}


# --- the station's chart -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PointPart:
    """One chart part at a point: its value (None for the first moving range) and limits."""

    part: str
    value: float | None
    center: float
    lcl: float
    ucl: float
    z: float | None = None

    @property
    def beyond(self) -> int:
        """+1 above the UCL, -1 below the LCL, 0 within."""
        if self.value is None:
            return 0
        return 1 if self.value > self.ucl else (-1 if self.value < self.lcl else 0)


@dataclass(frozen=True, slots=True)
class PointViolation:
    """A run rule that fired at a point, with the points of its pattern and its sentence."""

    rule: str
    part: str
    points: tuple[int, ...]
    message: str


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """A plotted point (a subgroup, or one value on an I-MR chart) as the station keeps it."""

    index: int
    limits_version: int
    values: tuple[float, ...]
    parts: tuple[PointPart, ...]
    violations: tuple[PointViolation, ...] = ()
    work_order: str = ""
    event_id: str = ""  # the measurement that completed it
    local: bool = False  # charted here; the server's point replaces it when it answers

    def part(self, name: str) -> PointPart | None:
        return next((p for p in self.parts if p.part == name), None)

    @property
    def in_control(self) -> bool:
        return not self.violations


def violation_words(violation: PointViolation, main_part: str) -> str:
    """The rule's sentence, naming the part when it is not the one drawn (e.g. the range)."""
    if violation.part and violation.part != main_part:
        return f"{violation.message} ({PART_LABEL.get(violation.part, violation.part)} chart)"
    return violation.message


def _float(value: Any) -> float | None:
    if value is None:
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def point_from_outcome(spc: Mapping[str, Any], event_id: str) -> ChartPoint | None:
    """The point in a measurement's outcome (``outcome["spc"]`` with status "plotted")."""
    if spc.get("status") != "plotted" or not isinstance(spc.get("point"), Mapping):
        return None
    point = spc["point"]
    try:
        return ChartPoint(
            index=int(point["index"]),
            limits_version=int(spc.get("limits_version") or 0),
            values=tuple(float(v) for v in point.get("values", ())),
            parts=tuple(
                PointPart(
                    part=str(p["part"]),
                    value=_float(p.get("value")),
                    center=float(p["center"]),
                    lcl=float(p["lcl"]),
                    ucl=float(p["ucl"]),
                    z=_float(p.get("z")),
                )
                for p in point.get("parts", ())
            ),
            violations=tuple(
                PointViolation(
                    rule=str(v["rule"]),
                    part=str(v.get("part", "")),
                    points=tuple(int(i) for i in v.get("points", ())),
                    message=str(v["message"]),
                )
                for v in point.get("violations", ())
            ),
            work_order=str(point.get("work_order") or ""),
            event_id=event_id,
        )
    except (KeyError, TypeError, ValueError):
        return None  # an answer this version cannot read: the feed and later points still work


def control_limits(ref: SpcLimitsRef) -> ControlLimits | None:
    """The ``ControlLimits`` behind a feed's limit lines (variables charts), or None."""
    main = MAIN_PART.get(ref.chart)
    line = next((ln for ln in ref.lines if ln.part == main), None)
    if main is None or line is None:
        return None
    n = ref.subgroup_size or 1
    # The X-bar line's sigma is that of a mean of n: sigma / sqrt(n).
    sigma = line.sigma * math.sqrt(n) if main == "xbar" else line.sigma
    try:
        return standard_limits(ref.chart, center=line.center, sigma=sigma, subgroup_size=n)
    except SpcError:
        return None


def limits_rules(ref: SpcLimitsRef) -> tuple[RuleSpec, ...]:
    """The run rules named in the feed (standard parameters: custom run lengths are not sent)."""
    try:
        return parse_rules(",".join(ref.rules)) if ref.rules else ()
    except SpcError:
        return parse_rules("we")


def plot_here(
    ref: SpcLimitsRef,
    history: Sequence[ChartPoint],
    values: Sequence[float],
    *,
    work_order: str = "",
    event_id: str = "",
) -> ChartPoint | None:
    """Chart one subgroup (or one value, I-MR) against the cached limits, at the station.

    ``history`` is the chart's kept points; those of the same limits version
    (at most ``CHART_POINTS``) are pushed again first so the rules see the
    same run as an uninterrupted stream (a new version starts a new chart).
    Returns None when the limits cannot be charted here (attribute charts).
    """
    limits = control_limits(ref)
    if limits is None:
        return None
    same = [p for p in history if p.limits_version == ref.version][-CHART_POINTS:]
    index = (max(p.index for p in history) + 1) if history else 0
    stream = ChartStream(limits, limits_rules(ref), start_index=index - len(same))
    try:
        for old in same:  # their output was seen when they were plotted
            _push(stream, limits, old.values)
        point = _push(stream, limits, values)
    except SpcError:
        return None
    return ChartPoint(
        index=point.index,
        limits_version=ref.version,
        values=tuple(float(v) for v in values),
        parts=tuple(
            PointPart(p.part, _float(p.value), p.center, p.lcl, p.ucl, _float(p.z))
            for p in point.parts
        ),
        violations=tuple(
            PointViolation(v.rule, v.part, tuple(v.points), v.message) for v in point.violations
        ),
        work_order=work_order,
        event_id=event_id,
        local=True,
    )


def _push(stream: ChartStream, limits: ControlLimits, values: Sequence[float]) -> Any:
    if limits.chart == "imr":
        return stream.push_value(float(values[-1]))
    return stream.push_subgroup([float(v) for v in values])


@dataclass(frozen=True, slots=True)
class ChartView:
    """What the kiosk draws for one characteristic: limit lines, the last points, the status."""

    characteristic: str
    chart: str
    limits_version: int
    center: float
    lcl: float
    ucl: float
    points: tuple[ChartPoint, ...] = ()
    subgroup_size: int = 1
    pending: int = 0  # values waiting in the open subgroup of the running work order

    @property
    def part(self) -> str:
        return MAIN_PART.get(self.chart, "i")

    @property
    def latest(self) -> ChartPoint | None:
        return self.points[-1] if self.points else None


def chart_view(
    characteristic: str,
    ref: SpcLimitsRef | None,
    points: Sequence[ChartPoint],
    pending: int = 0,
) -> ChartView | None:
    """The chart to draw: the points of the newest limits version, with that version's lines.

    None when the characteristic has no active limits (never frozen, or withdrawn).
    """
    newest = max((p.limits_version for p in points), default=0)
    if ref is not None and ref.version >= newest:
        main = MAIN_PART.get(ref.chart)
        line = next((ln for ln in ref.lines if ln.part == main), None)
        if not ref.active or line is None:
            return None
        version, chart, n = ref.version, ref.chart, ref.subgroup_size or 1
        center, lcl, ucl = line.center, line.lcl, line.ucl
    elif points:  # the server charted with limits the feed has not brought yet
        last = points[-1]
        chart = "imr" if last.part("i") is not None else "xbar-r"
        drawn = last.part(MAIN_PART[chart])
        if drawn is None:
            return None
        version, n = newest, max(1, len(last.values))
        center, lcl, ucl = drawn.center, drawn.lcl, drawn.ucl
    else:
        return None
    return ChartView(
        characteristic=characteristic,
        chart=chart,
        limits_version=version,
        center=center,
        lcl=lcl,
        ucl=ucl,
        points=tuple(p for p in points if p.limits_version == version),
        subgroup_size=n,
        pending=pending,
    )


# --- acknowledging a signal ----------------------------------------------------------------


@runtime_checkable
class SpcSignals(Protocol):
    """Reference data that knows this station's SPC signals (the kiosk cache)."""

    def open_spc_signals(self) -> list[SpcSignalRef]: ...


def open_signals(ctx: FlowContext) -> list[SpcSignalRef]:
    reference = ctx.reference
    return reference.open_spc_signals() if isinstance(reference, SpcSignals) else []


def signal_words(signal: SpcSignalRef) -> str:
    """What fired, in words: the rule sentences of the signal's message without the preamble."""
    text = signal.message
    marker = f" at {signal.station_id}: "
    if marker in text:
        text = text.split(marker, 1)[1]
    said = []
    for piece in text.split("; "):
        rule, sep, sentence = piece.partition(": ")
        sentence = sentence if sep and rule in signal.rules else piece
        for part, label in PART_LABEL.items():  # the server names the chart part last
            if sentence.endswith(f" ({part})"):
                main = part in MAIN_PART.values()
                sentence = sentence[: -len(part) - 3] + ("" if main else f" ({label} chart)")
        said.append(sentence)
    return "; ".join(dict.fromkeys(said))


def signal_banner(signal: SpcSignalRef) -> str:
    """The line every operator sees until someone acknowledges the signal."""
    return (
        f"SPC signal on {signal.characteristic}: {signal_words(signal)} — "
        "supervisor must acknowledge"
    )


@register_prompt
@dataclass(frozen=True, slots=True)
class AcknowledgeSpcSignal(Prompt):
    """Type the note that acknowledges an open SPC signal (assignable cause, action taken)."""

    signal_id: str = ""
    characteristic: str = ""
    words: str = ""
    kind: ClassVar[str] = "acknowledge_spc_signal"
    modal: ClassVar[bool] = True

    def describe(self, state: StationState) -> PromptText:
        return PromptText(
            "SPC SIGNAL",
            f"{self.characteristic}: {self.words}. Type the cause found and the action taken "
            "(#CANCEL: later).",
        )


_DONE = "spc_acknowledged"  # signal ids acknowledged here (until the cache knows)
_LATER = "spc_later"  # {"session": badge@login time, "ids": [...]}: left for later this session


def _session_key(state: StationState) -> str:
    op = state.operator
    return f"{op.badge}@{op.since.isoformat()}" if op is not None else ""


def _left_for_later(state: StationState) -> set[str]:
    later = state.extras.get(_LATER)
    if isinstance(later, dict) and later.get("session") == _session_key(state):
        return set(later.get("ids", ()))
    return set()


def may_acknowledge(state: StationState) -> bool:
    return state.operator is not None and state.operator.role in ACK_ROLES


def acknowledge_rule(state: StationState, ctx: FlowContext) -> Prompt | None:
    """Claims the next prompt for someone who may acknowledge while a signal is open here."""
    if not may_acknowledge(state):
        return None
    skip = set(state.extras.get(_DONE, ())) | _left_for_later(state)
    for signal in open_signals(ctx):
        if signal.id not in skip and signal.station_id == ctx.station_id:
            return AcknowledgeSpcSignal(
                signal_id=signal.id,
                characteristic=signal.characteristic,
                words=signal_words(signal),
            )
    return None


def _is_code(turn: Turn) -> bool:
    """A scan or a characteristic id of the running job: never a note."""
    job = turn.state.job
    if job is not None and job.characteristic(turn.text.upper()) is not None:
        return True
    return turn.scan().kind != "error"


def on_signal_note(turn: Turn) -> StepResult | Turn | None:
    """The note for the pending signal; badges and commands other than #CANCEL pass through."""
    state = turn.state
    prompt = state.prompt
    assert isinstance(prompt, AcknowledgeSpcSignal)
    text = turn.text
    if text.upper() == "#CANCEL":
        later = sorted(_left_for_later(state) | {prompt.signal_id})
        extras = {**state.extras, _LATER: {"session": _session_key(state), "ids": later}}
        new = turn.settle(replace(state, extras=extras))
        return turn.done(
            new,
            OperatorMessage.warn(
                f"SPC signal on {prompt.characteristic} left open: it stays on the screen until "
                f"acknowledged. {instruction(new)}"
            ),
        )
    if text.startswith("#") or (text and " " not in text and _is_code(turn)):
        return None  # a command, a badge, a work order...: the usual flow (asked again after)
    if not may_acknowledge(state):
        return turn.with_state(turn.settle(state))
    if prompt.signal_id not in {s.id for s in open_signals(turn.ctx)}:
        new = turn.settle(state)
        return turn.done(
            new,
            OperatorMessage.info(
                f"The SPC signal on {prompt.characteristic} is already acknowledged. "
                f"{instruction(new)}"
            ),
        )
    if parse_number(text) is not None:
        return turn.refuse(
            f"{text} looks like a measurement: type the assignable cause and the action taken "
            "in words (#CANCEL: later)."
        )
    try:
        payload = SpcSignalAcknowledged(signal_id=uuid.UUID(prompt.signal_id), note=text)
    except (ValidationError, ValueError) as exc:
        reason = (
            exc.errors()[0]["msg"].removeprefix("Value error, ")
            if isinstance(exc, ValidationError)
            else str(exc)
        )
        return turn.refuse(f"Note not recorded: {reason}.")
    done = [*state.extras.get(_DONE, ()), prompt.signal_id][-20:]
    new = turn.settle(replace(state, extras={**state.extras, _DONE: done}))
    return turn.done(
        new,
        OperatorMessage.ok(
            f"SPC signal on {prompt.characteristic} acknowledged: {payload.note}. "
            f"The held lots stay held until the NCR is disposed. {instruction(new)}"
        ),
        turn.event(payload),
    )


#: Keyword arguments for ``Flow.extend``: the acknowledgement prompt and the rule that asks it.
SPC_EXTENSION: dict[str, Any] = {
    "prompt_handlers": {AcknowledgeSpcSignal: on_signal_note},
    "prompt_rules": (acknowledge_rule,),
}


def with_spc(flow: Flow) -> Flow:
    """``flow`` with SPC signal acknowledgement (idempotent: composes with other extensions)."""
    if AcknowledgeSpcSignal in flow.prompt_handlers:
        return flow
    return flow.extend(**SPC_EXTENSION)
