"""A station over the demo plant, all in memory, with a clock the test moves."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.flow import FlowContext, StationState, StepResult, initial_state, step
from core.flow.memory import MemoryReference, reference_from_plant
from core.plant import load_plant
from tests.core.flow.wip import lots_waiting

DEMO = Path(__file__).resolve().parents[3] / "provisioning" / "plants" / "demo.toml"
_PLANT = load_plant(DEMO)


@dataclass
class Station:
    """Drives the pure flow like an operator: ``scan`` feeds one entry, keeps the state."""

    ref: MemoryReference
    station_id: str
    now: datetime = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    state: StationState = field(init=False)
    results: list[StepResult] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.state = initial_state(self.station_id)

    @property
    def ctx(self) -> FlowContext:
        return FlowContext(
            station_id=self.station_id,
            reference=self.ref,
            clock=lambda: self.now,
            new_id=lambda: uuid.UUID(int=next(self._ids)),
            idle_timeout=timedelta(minutes=15),
        )

    def scan(self, *entries: str) -> StepResult:
        result = None
        for entry in entries:
            result = step(self.state, entry, self.ctx)
            self.state = result.state
            self.results.append(result)
            self.now += timedelta(seconds=5)
        assert result is not None
        return result

    def events(self) -> list[str]:
        return [type(p).__name__ for r in self.results for p in r.payloads]


@pytest.fixture
def saw() -> Station:
    return Station(reference_from_plant(_PLANT, "L1-SAW"), "L1-SAW")


@pytest.fixture
def turn() -> Station:
    """The turning station (op 20) with each work order's sawn lot waiting for it."""
    ref = reference_from_plant(_PLANT, "L1-TURN")
    lots_waiting(ref, "L1-TURN")
    return Station(ref, "L1-TURN")
