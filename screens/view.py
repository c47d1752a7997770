"""What a kiosk screen shows, in one value, and which screen shows it.

The app builds a ``KioskView`` after every entry, sync change and clock
tick; the active screen draws it. ``screen_for`` picks the screen from the
pending prompt and the last actions (a verdict stays on the measure screen
until the next scan, a finished job on the complete screen).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.flow import (
    Action,
    AwaitApproval,
    ConfirmCancelJob,
    ConfirmMeasurement,
    EnterDefectQty,
    EnterGoodQty,
    EnterMeasurement,
    EnterScrapQty,
    OperatorMessage,
    Prompt,
    PromptText,
    ReadyToComplete,
    ReferenceData,
    ScanBadge,
    ScanLot,
    ScanWorkOrder,
    ShowOutputLot,
    ShowVerdict,
    StationState,
)
from kiosk.service import StationStatus


@dataclass(frozen=True, slots=True)
class KioskView:
    state: StationState
    prompt: PromptText
    message: OperatorMessage | None
    actions: tuple[Action, ...]
    status: StationStatus
    reference: ReferenceData
    now: datetime
    demo_hint: str = ""

    @property
    def verdict(self) -> ShowVerdict | None:
        return next((a for a in self.actions if isinstance(a, ShowVerdict)), None)

    @property
    def output_lot(self) -> ShowOutputLot | None:
        return next((a for a in self.actions if isinstance(a, ShowOutputLot)), None)


#: Which screen shows which prompt; other features add their own prompts here.
SCREEN_FOR_PROMPT: dict[type[Prompt], str] = {
    ScanBadge: "login",
    ScanWorkOrder: "home",
    ScanLot: "job",
    ReadyToComplete: "job",
    ConfirmCancelJob: "job",
    AwaitApproval: "job",
    EnterMeasurement: "measure",
    ConfirmMeasurement: "measure",
    EnterDefectQty: "defect",
    EnterGoodQty: "complete",
    EnterScrapQty: "complete",
}


def _quality_screens() -> None:
    from core.flow.quality import (
        AwaitInspector,
        HoldEnterReason,
        HoldNotice,
        HoldScanTarget,
        JobBlocked,
        StationHeld,
    )

    SCREEN_FOR_PROMPT.update(
        {
            HoldNotice: "hold",
            StationHeld: "hold",
            JobBlocked: "hold",
            AwaitInspector: "hold",
            HoldScanTarget: "job",
            HoldEnterReason: "job",
        }
    )


_quality_screens()


def _spc_screens() -> None:
    from core.flow.spc import AcknowledgeSpcSignal

    SCREEN_FOR_PROMPT[AcknowledgeSpcSignal] = "measure"  # beside the chart that signalled


_spc_screens()

#: A screen that must stay up after a step whose actions include this type.
SCREEN_FOR_ACTION: dict[type[Action], str] = {
    ShowVerdict: "measure",
    ShowOutputLot: "complete",
}


def _trace_screens() -> None:
    from core.flow.trace import TraceRequested, TraceScanTarget

    SCREEN_FOR_PROMPT[TraceScanTarget] = "trace"
    SCREEN_FOR_ACTION[TraceRequested] = "trace"  # the trace stays up until Enter or #CANCEL


_trace_screens()


def screen_for(view: KioskView) -> str:
    if view.state.operator is not None:
        for action in view.actions:
            name = SCREEN_FOR_ACTION.get(type(action))
            if name:
                return name
    return SCREEN_FOR_PROMPT.get(type(view.state.prompt), "job")
