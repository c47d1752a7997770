"""Tracing a lot from the station: ``#TRACE``, then the lot (or serial) to trace.

The flow only asks for the lot and says what to trace (``TraceRequested``);
the kiosk asks the server for the genealogy and shows it. Nothing is recorded,
the running job is not touched, and after the scan the station asks again for
what it asked before. Compose it into a flow with ``with_trace(flow)``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from core.barcodes import LotCode, SerialCode
from core.flow.actions import Action, OperatorMessage, StepResult
from core.flow.flow import Flow, Turn
from core.flow.state import Prompt, PromptText, StationState, register_prompt

TRACE_DETAIL = "Scan the lot (or serial) to trace; #CANCEL backs out."


@register_prompt
@dataclass(frozen=True, slots=True)
class TraceScanTarget(Prompt):
    """``#TRACE`` was scanned: the station waits for the lot or serial to trace."""

    kind: ClassVar[str] = "trace_scan_target"
    modal: ClassVar[bool] = True  # nothing half recorded: a restart or #CANCEL just drops it

    def describe(self, state: StationState) -> PromptText:
        return PromptText("TRACE WHAT?", TRACE_DETAIL)


@dataclass(frozen=True, slots=True)
class TraceRequested(Action):
    """Show the genealogy of ``lot`` (a lot id or a serial): what went into it, where it went."""

    lot: str


def cmd_trace(turn: Turn) -> StepResult:
    new = replace(turn.state, prompt=TraceScanTarget())
    return turn.done(new, OperatorMessage.info(TRACE_DETAIL))


def on_trace_target(turn: Turn) -> StepResult | None:
    """A lot or serial asks for its trace; ``#CANCEL`` backs out; anything else is refused."""
    if turn.text.upper() == "#CANCEL":
        back = turn.settle(turn.state)
        return turn.done(
            back, OperatorMessage.info(f"Nothing traced. {back.prompt.describe(back).detail}")
        )
    if turn.text.upper() == "#LOGOUT":
        return None  # logs out as anywhere else
    scan = turn.scan()
    if isinstance(scan, LotCode):
        lot = scan.lot
    elif isinstance(scan, SerialCode):
        lot = scan.serial
    else:
        return turn.refuse("Scan a lot or a serial number to trace (#CANCEL backs out).")
    back = turn.settle(turn.state)
    return turn.done(
        back,
        OperatorMessage.info(f"Tracing {lot}: asking the server…"),
        TraceRequested(lot=lot),
    )


def with_trace(flow: Flow) -> Flow:
    """``flow`` with ``#TRACE`` (idempotent: composes with other extensions)."""
    if TraceScanTarget in flow.prompt_handlers:
        return flow
    return flow.extend(
        prompt_handlers={TraceScanTarget: on_trace_target}, commands={"TRACE": cmd_trace}
    )
