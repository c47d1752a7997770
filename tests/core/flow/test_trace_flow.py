"""#TRACE in the station flow, with no server: ask for a lot, say what to trace, record nothing."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime

from core.flow import (
    DEFAULT_FLOW,
    EnterGoodQty,
    FlowContext,
    ScanLot,
    ScanWorkOrder,
    StationState,
    StepResult,
    initial_state,
)
from core.flow.memory import reference_from_plant
from core.flow.persist import state_from_json, state_to_json
from core.flow.station import STATION_FLOW
from core.flow.step import resume
from core.flow.trace import TraceRequested, TraceScanTarget, with_trace
from tests.core.flow.conftest import _PLANT

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


class Saw:
    """L1-SAW over the demo plant, driven through the composed station flow."""

    def __init__(self) -> None:
        ids = itertools.count(1)
        self.ctx = FlowContext(
            station_id="L1-SAW",
            reference=reference_from_plant(_PLANT, "L1-SAW"),
            clock=lambda: NOW,
            new_id=lambda: uuid.UUID(int=next(ids)),
            idle_timeout=None,
        )
        self.state: StationState = initial_state("L1-SAW")

    def scan(self, *entries: str) -> StepResult:
        result = None
        for entry in entries:
            result = STATION_FLOW.step(self.state, entry, self.ctx)
            self.state = result.state
        assert result is not None
        return result


def requested(result: StepResult) -> list[str]:
    return [a.lot for a in result.of_type(TraceRequested)]  # type: ignore[attr-defined]


def test_trace_asks_for_a_lot_then_requests_its_trace_and_records_nothing() -> None:
    saw = Saw()
    saw.scan("EMP1001")
    asked = saw.scan("#TRACE")
    assert isinstance(saw.state.prompt, TraceScanTarget)
    assert asked.message.text == "Scan the lot (or serial) to trace; #CANCEL backs out."
    assert asked.payloads == [] and asked.actions == ()
    done = saw.scan("LOT-BAR-261101")
    assert requested(done) == ["LOT-BAR-261101"]
    assert done.payloads == []  # a trace is no event, and the lot is not consumed
    assert isinstance(saw.state.prompt, ScanWorkOrder)
    assert "Tracing LOT-BAR-261101" in done.message.text


def test_trace_in_a_running_job_leaves_the_job_as_it_was() -> None:
    saw = Saw()
    saw.scan("EMP1001", "WO-1001")
    job = saw.state.job
    assert isinstance(saw.state.prompt, ScanLot)
    saw.scan("#TRACE")
    done = saw.scan("SN-C1")  # a serial traces like a lot
    assert requested(done) == ["SN-C1"]
    assert saw.state.job == job and isinstance(saw.state.prompt, ScanLot)
    assert done.payloads == []


def test_a_gs1_label_traces_its_lot() -> None:
    saw = Saw()
    saw.scan("EMP1001", "#TRACE")
    done = saw.scan("]C110LOT-BAR-261101\x1d3716")
    assert requested(done) == ["LOT-BAR-261101"]


def test_cancel_backs_out_and_other_scans_are_refused() -> None:
    saw = Saw()
    saw.scan("EMP1001", "WO-1001", "#TRACE")
    refused = saw.scan("WO-1001")
    assert refused.refused and "Scan a lot or a serial number to trace" in refused.message.text
    assert isinstance(saw.state.prompt, TraceScanTarget)
    back = saw.scan("#CANCEL")
    assert back.message.text.startswith("Nothing traced.")
    assert isinstance(saw.state.prompt, ScanLot) and saw.state.job is not None
    assert back.actions == ()  # #CANCEL here never asks to cancel the job


def test_logout_works_from_the_trace_prompt() -> None:
    saw = Saw()
    saw.scan("EMP1001", "#TRACE")
    out = saw.scan("#LOGOUT")
    assert saw.state.operator is None and [type(p).__name__ for p in out.payloads] == [
        "OperatorLoggedOut"
    ]


def test_trace_needs_a_badge_first() -> None:
    saw = Saw()
    assert saw.scan("#TRACE").refused
    assert not isinstance(saw.state.prompt, TraceScanTarget)


def test_trace_prompt_is_modal_persists_and_is_dropped_on_restart() -> None:
    saw = Saw()
    saw.scan("EMP1001", "#TRACE")
    restored = state_from_json(state_to_json(saw.state))
    assert restored.prompt == TraceScanTarget()
    assert isinstance(resume(restored, saw.ctx, STATION_FLOW).prompt, ScanWorkOrder)


def test_trace_is_refused_while_typing_a_quantity() -> None:
    saw = Saw()
    saw.scan("EMP1001", "WO-1001", "LOT-BAR-261101", "155.0", "#DONE")
    assert isinstance(saw.state.prompt, EnterGoodQty)
    assert saw.scan("#TRACE").refused
    assert isinstance(saw.state.prompt, EnterGoodQty)


def test_with_trace_composes_once() -> None:
    flow = with_trace(DEFAULT_FLOW)
    assert with_trace(flow) is flow
    assert "TRACE" in flow.commands and "TRACE" not in DEFAULT_FLOW.commands
    assert "TRACE" in STATION_FLOW.commands
