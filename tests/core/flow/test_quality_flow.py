"""The quality loop in the station flow, with no server: plans, reactions, holds."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.flow import EnterMeasurement, FlowContext, StationState, StepResult, initial_state
from core.flow.actions import PrintHoldTag, SetAndon, StopLine
from core.flow.memory import MemoryReference, reference_from_plant
from core.flow.quality import AwaitInspector, HoldNotice, JobBlocked, StationHeld
from core.flow.station import STATION_FLOW
from core.plant import load_plant
from core.reference import HoldRef
from tests.core.flow.wip import lots_waiting

DEMO = Path(__file__).resolve().parents[3] / "provisioning" / "plants" / "demo.toml"
PLANT = load_plant(DEMO)


@dataclass
class Station:
    station_id: str
    ref: MemoryReference = field(init=False)
    now: datetime = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    state: StationState = field(init=False)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.ref = reference_from_plant(PLANT, self.station_id)
        lots_waiting(self.ref, self.station_id)  # the lots the earlier operations made
        self.state = initial_state(self.station_id)

    @property
    def ctx(self) -> FlowContext:
        return FlowContext(
            station_id=self.station_id,
            reference=self.ref,
            clock=lambda: self.now,
            new_id=lambda: uuid.UUID(int=next(self._ids)),
            idle_timeout=None,
        )

    def scan(self, *entries: str) -> StepResult:
        result = None
        for entry in entries:
            result = STATION_FLOW.step(self.state, entry, self.ctx)
            self.state = result.state
            self.now += timedelta(seconds=5)
        assert result is not None
        return result


def test_first_article_by_an_inspector_blocks_the_job_until_it_passes() -> None:
    mill = Station("L1-MILL")
    mill.scan("EMP1001", "WO-3001", "LOT-CAST-261101")
    assert isinstance(mill.state.prompt, AwaitInspector)
    assert (
        mill.state.prompt.characteristic == "COVER-BORE"
        and mill.state.prompt.reason == "first article"
    )
    refused = mill.scan("32.01")
    assert refused.refused and refused.payloads == []
    assert mill.scan("EMP1002").refused  # another operator is no inspector
    mill.scan("EMP1007")  # Gregor Lang, inspector
    assert mill.state.prompt == EnterMeasurement(characteristic="COVER-BORE", chosen=True)
    failed = mill.scan("32.030")
    [measured] = failed.payloads
    assert measured.verdict == "fail"  # type: ignore[attr-defined]
    recorded = [a for a in failed.actions if type(a).__name__ == "RecordEvent"]
    assert recorded[0].operator_id == "EMP1007"  # type: ignore[attr-defined]
    lot = mill.state.job.output_lot  # type: ignore[union-attr]
    assert [
        type(a) for a in failed.actions if isinstance(a, PrintHoldTag | StopLine | SetAndon)
    ] == [PrintHoldTag, StopLine, SetAndon]  # COVER-BORE's own plan: hold, stop the line
    assert isinstance(mill.state.prompt, HoldNotice) and mill.state.prompt.target == lot
    mill.scan("")  # acknowledged
    assert isinstance(mill.state.prompt, JobBlocked)
    done = mill.scan("#DONE")
    assert done.refused and "first-article check failed" in done.message.text.lower()
    assert mill.scan("32.012").refused  # no value while blocked
    mill.scan("EMP1008")  # inspector re-inspects a new first piece
    passed = mill.scan("32.012")
    assert passed.payloads[0].verdict == "pass"  # type: ignore[attr-defined]
    assert (
        isinstance(mill.state.prompt, EnterMeasurement)
        and mill.state.prompt.characteristic == "COVER-FLAT"
    )


def test_every_unit_check_and_required_before_complete() -> None:
    leak = Station("L2-LEAK")
    leak.scan("EMP1003", "WO-2001")
    assert mill_prompt(leak) == "PUMP-LEAK"
    refused = leak.scan("#DONE")
    assert refused.refused and "PUMP-LEAK" in refused.message.text
    leak.scan("0.12")
    assert mill_prompt(leak) == "PUMP-LEAK"  # the next pump is due its test
    assert leak.state.job.extras["units_done"] == 1  # type: ignore[union-attr]
    leak.scan("0.09")
    assert leak.state.job.extras["units_done"] == 2  # type: ignore[union-attr]
    assert not leak.scan("#DONE").refused


def mill_prompt(station: Station) -> str:
    prompt = station.state.prompt
    assert isinstance(prompt, EnterMeasurement), prompt
    return prompt.characteristic


def test_patrol_check_comes_due_after_its_interval() -> None:
    assy = Station("L2-ASSY")
    assy.scan("EMP1004", "WO-2001", "LOT-COVER-261020", "LOT-SEAL-261101", "LOT-SCREW-261101")
    assert mill_prompt(assy) == "PUMP-TORQUE"  # measured once at the start
    assy.scan("6.1")
    assert type(assy.state.prompt).__name__ == "ReadyToComplete"
    assy.now += timedelta(minutes=31)
    assy.scan("DEF-BURR", "1")
    assert mill_prompt(assy) == "PUMP-TORQUE"


def test_critical_defect_holds_the_station() -> None:
    assy = Station("L2-ASSY")
    assy.scan("EMP1004", "WO-2001", "LOT-COVER-261020")
    flagged = assy.scan("DEF-SEAL-MISSING", "1")
    kinds = [type(a).__name__ for a in flagged.actions]
    assert "StopLine" in kinds and "PrintHoldTag" in kinds
    assert isinstance(assy.state.prompt, StationHeld)
    refused = assy.scan("LOT-SEAL-261101")
    assert refused.refused and "ON HOLD" in refused.message.text and refused.payloads == []
    assert assy.scan("#DONE").refused


def test_supervisor_holds_a_lot_from_the_station_and_it_is_refused() -> None:
    press = Station("L2-PRESS")
    press.scan("EMP1001")
    assert press.scan("#HOLD").refused  # an operator cannot
    press.scan("EMP1009", "#HOLD", "LOT-BRG-261101")
    held = press.scan("wrong grease batch")
    [payload] = held.payloads
    assert type(payload).__name__ == "HoldPlaced" and payload.target == "LOT-BRG-261101"  # type: ignore[attr-defined]
    assert any(isinstance(a, PrintHoldTag) for a in held.actions)
    press.scan("WO-2001", "LOT-SHAFT-261020")
    refused = press.scan("LOT-BRG-261101")
    assert refused.refused and "wrong grease batch" in refused.message.text


def test_a_hold_from_the_feed_on_used_material_is_shown() -> None:
    press = Station("L2-PRESS")
    press.scan("EMP1001", "WO-2001", "LOT-SHAFT-261020")
    press.ref.put_hold(
        HoldRef(
            id="h1",
            target_type="lot",
            target="LOT-SHAFT-261020",
            reason="runout",
            source="manual",
            status="open",
        )
    )
    press.scan("LOT-BRG-261101")
    assert isinstance(press.state.prompt, HoldNotice)
    assert press.state.prompt.target == "LOT-SHAFT-261020" and "runout" in press.state.prompt.reason
