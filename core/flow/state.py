"""What a station knows between two scans: operator, running job, pending prompt.

Plain frozen values, no I/O. A step (``core.flow.step``) takes a
``StationState`` and an entry and returns the next one; the kiosk persists it
after every step so a restart resumes the job where it was.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar

from core.verdict import Spec, Verdict

_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class OperatorSession:
    """The operator whose badge is logged in at the station."""

    badge: str
    name: str
    role: str
    since: datetime


@dataclass(frozen=True, slots=True)
class MaterialLine:
    """One BOM line of the running job: what is needed and what was consumed."""

    part: str
    qty_per: float
    required: float
    consumed: float = 0.0
    lots: tuple[tuple[str, float], ...] = ()  # (lot, qty) in the order scanned
    after_operation: int | None = None  # a made component may be used once this op of it is done

    @property
    def remaining(self) -> float:
        left = self.required - self.consumed
        return left if left > _EPS else 0.0

    @property
    def started(self) -> bool:
        return bool(self.lots)


@dataclass(frozen=True, slots=True)
class CharacteristicPlan:
    """A characteristic the job measures, with its limits as known at job start."""

    id: str
    name: str
    nominal: float | None
    lsl: float | None
    usl: float | None
    unit: str = ""
    critical: bool = False
    required: int = 1  # how many readings the job needs (sampling plans may raise it)
    measured: int = 0
    last_value: float | None = None
    last_verdict: Verdict | None = None

    def spec(self) -> Spec:
        return Spec(nominal=self.nominal, lsl=self.lsl, usl=self.usl, unit=self.unit)

    @property
    def done(self) -> bool:
        return self.measured >= self.required


@dataclass(frozen=True, slots=True)
class DefectLine:
    code: str
    description: str
    qty: float
    severity: str = "minor"


@dataclass(frozen=True, slots=True)
class Job:
    """The job running at the station: one operation of one work order."""

    job_id: uuid.UUID
    work_order: str
    product: str
    product_description: str
    qty: float  # work order quantity
    operation: int
    operation_name: str
    started_at: datetime
    materials: tuple[MaterialLine, ...] = ()
    characteristics: tuple[CharacteristicPlan, ...] = ()
    defects: tuple[DefectLine, ...] = ()
    unit_serial: str | None = None  # the unit being measured, when the product is serialised
    extras: dict[str, Any] = field(default_factory=dict)  # extension data; treat as read-only
    output_lot: str | None = None  # named at start: on the traveler, and what a hold contains
    operations: tuple[tuple[int, str], ...] = ()  # the routing, for the traveler
    #: The work-in-process lot this operation works on, and how much of it came in.
    input_lot: str | None = None
    lot_qty: float | None = None
    operator: str | None = None  # who runs it (a hand-over changes it)

    def material(self, part: str) -> MaterialLine | None:
        return next((m for m in self.materials if m.part == part), None)

    def characteristic(self, char_id: str) -> CharacteristicPlan | None:
        return next((c for c in self.characteristics if c.id == char_id), None)

    @property
    def defect_qty(self) -> float:
        return sum(d.qty for d in self.defects)

    @property
    def consumed_lots(self) -> list[str]:
        return [lot for m in self.materials for lot, _ in m.lots]

    def with_material(self, line: MaterialLine) -> Job:
        return replace(
            self, materials=tuple(line if m.part == line.part else m for m in self.materials)
        )

    def with_characteristic(self, plan: CharacteristicPlan) -> Job:
        return replace(
            self,
            characteristics=tuple(plan if c.id == plan.id else c for c in self.characteristics),
        )


@dataclass(frozen=True, slots=True)
class CompletedJob:
    """The last job finished here, kept so the home screen can show its output lot."""

    work_order: str
    product: str
    output_lot: str
    good_qty: float
    scrap_qty: float
    consumed_lots: tuple[str, ...] = ()


# --- prompts: what the station waits for ------------------------------------------

PROMPT_TYPES: dict[str, type[Prompt]] = {}


def _q(value: float) -> str:
    return f"{round(value, 6):g}"


@dataclass(frozen=True, slots=True)
class PromptText:
    """How a prompt reads: ``headline`` is a few words shown big, ``detail`` one sentence."""

    headline: str
    detail: str


@dataclass(frozen=True, slots=True)
class Prompt:
    """What the station waits for next. Subclasses set ``kind`` and register themselves.

    ``modal`` prompts hold a half-done action (a value to confirm, a quantity to
    enter); ``#CANCEL`` drops them without recording anything.
    """

    kind: ClassVar[str] = "prompt"
    modal: ClassVar[bool] = False

    def describe(self, state: StationState) -> PromptText:
        return PromptText(self.kind.replace("_", " ").upper(), "")


def register_prompt(cls: type[Prompt]) -> type[Prompt]:
    """Make a prompt type known to the state's persistence (use as a class decorator)."""
    PROMPT_TYPES[cls.kind] = cls
    return cls


@register_prompt
@dataclass(frozen=True, slots=True)
class ScanBadge(Prompt):
    kind: ClassVar[str] = "scan_badge"

    def describe(self, state: StationState) -> PromptText:
        return PromptText("SCAN BADGE", "Scan your badge to log in.")


@register_prompt
@dataclass(frozen=True, slots=True)
class ScanWorkOrder(Prompt):
    kind: ClassVar[str] = "scan_work_order"

    def describe(self, state: StationState) -> PromptText:
        return PromptText("SCAN WORK ORDER", "Scan the work order traveler to start a job.")


@register_prompt
@dataclass(frozen=True, slots=True)
class ScanLot(Prompt):
    part: str = ""
    kind: ClassVar[str] = "scan_lot"

    def describe(self, state: StationState) -> PromptText:
        line = state.job.material(self.part) if state.job else None
        need = f": {_q(line.remaining)} still needed" if line else ""
        return PromptText("SCAN LOT", f"Scan a lot of {self.part}{need}.")


@register_prompt
@dataclass(frozen=True, slots=True)
class EnterMeasurement(Prompt):
    characteristic: str = ""
    chosen: bool = False  # picked by the operator (a repeat), not next in the plan
    kind: ClassVar[str] = "enter_measurement"

    def describe(self, state: StationState) -> PromptText:
        plan = state.job.characteristic(self.characteristic) if state.job else None
        if plan is None:
            return PromptText("MEASURE", f"Type the value of {self.characteristic}.")
        return PromptText(
            "MEASURE",
            f"{plan.name} ({plan.id}): type the value in {plan.unit or 'its unit'}, "
            f"limits {plan.spec().describe()}.",
        )


@register_prompt
@dataclass(frozen=True, slots=True)
class ReadyToComplete(Prompt):
    kind: ClassVar[str] = "ready"

    def describe(self, state: StationState) -> PromptText:
        return PromptText("SCAN #DONE", "All measured. Scan #DONE to complete, or a defect code.")


@register_prompt
@dataclass(frozen=True, slots=True)
class ConfirmMeasurement(Prompt):
    characteristic: str = ""
    value: float = 0.0
    problem: str = ""
    source: str = "keyboard"
    device: str = ""  # the gauge or PLC that sent it, if one did
    kind: ClassVar[str] = "confirm_measurement"
    modal: ClassVar[bool] = True

    def describe(self, state: StationState) -> PromptText:
        plan = state.job.characteristic(self.characteristic) if state.job else None
        unit = f" {plan.unit}" if plan and plan.unit else ""
        return PromptText(
            "CHECK VALUE",
            f"{self.value:g}{unit} looks wrong ({self.problem}). "
            "Scan #CONFIRM to record it; anything else discards it.",
        )


@register_prompt
@dataclass(frozen=True, slots=True)
class EnterDefectQty(Prompt):
    code: str = ""
    description: str = ""
    severity: str = "minor"
    kind: ClassVar[str] = "enter_defect_qty"
    modal: ClassVar[bool] = True

    def describe(self, state: StationState) -> PromptText:
        return PromptText(
            "DEFECT QTY", f"{self.code} {self.description}: type the quantity (Enter = 1)."
        )


@register_prompt
@dataclass(frozen=True, slots=True)
class EnterGoodQty(Prompt):
    kind: ClassVar[str] = "enter_good_qty"
    modal: ClassVar[bool] = True

    def describe(self, state: StationState) -> PromptText:
        qty = f" (work order qty {_q(state.job.qty)})" if state.job else ""
        return PromptText("GOOD QTY", f"Type how many good parts this job made{qty}.")


@register_prompt
@dataclass(frozen=True, slots=True)
class EnterScrapQty(Prompt):
    good_qty: float = 0.0
    kind: ClassVar[str] = "enter_scrap_qty"
    modal: ClassVar[bool] = True

    def describe(self, state: StationState) -> PromptText:
        default = state.job.defect_qty if state.job else 0.0
        return PromptText(
            "SCRAP QTY",
            f"Type how many parts were scrapped (Enter = {_q(default)}, the defects flagged).",
        )


@register_prompt
@dataclass(frozen=True, slots=True)
class ConfirmCancelJob(Prompt):
    kind: ClassVar[str] = "confirm_cancel_job"
    modal: ClassVar[bool] = True

    def describe(self, state: StationState) -> PromptText:
        wo = state.job.work_order if state.job else "?"
        return PromptText(
            "CANCEL JOB?", f"Scan #CONFIRM to cancel job {wo}; anything else keeps it."
        )


@dataclass(frozen=True, slots=True)
class StationState:
    """Everything the flow remembers. ``output_lots_made`` numbers output lots."""

    station_id: str
    operator: OperatorSession | None = None
    job: Job | None = None
    prompt: Prompt = field(default_factory=ScanBadge)
    last_activity: datetime | None = None
    output_lots_made: int = 0
    last_completed: CompletedJob | None = None
    extras: dict[str, Any] = field(default_factory=dict)  # extension data; treat as read-only

    @property
    def logged_in(self) -> bool:
        return self.operator is not None


def initial_state(station_id: str) -> StationState:
    return StationState(station_id=station_id)
