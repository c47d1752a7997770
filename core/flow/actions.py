"""What a step asks the station to do, and what it tells the operator.

Actions are small frozen values; the kiosk carries them out (``RecordEvent``
goes to the outbox, ``ShowVerdict`` to the screen). The set is open: other
modules subclass ``Action`` (printing a traveler, placing a hold, stopping the
line) and the kiosk registers a handler for each new type.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from core.events import Payload
from core.flow.state import StationState
from core.verdict import Spec, Verdict

Level = Literal["info", "ok", "warn", "error"]


@dataclass(frozen=True, slots=True)
class OperatorMessage:
    """One line for the operator. ``error`` means the entry was refused."""

    level: Level
    text: str

    @classmethod
    def info(cls, text: str) -> OperatorMessage:
        return cls("info", text)

    @classmethod
    def ok(cls, text: str) -> OperatorMessage:
        return cls("ok", text)

    @classmethod
    def warn(cls, text: str) -> OperatorMessage:
        return cls("warn", text)

    @classmethod
    def error(cls, text: str) -> OperatorMessage:
        return cls("error", text)


@dataclass(frozen=True, slots=True)
class Action:
    """Base of everything a step asks the station to do."""


@dataclass(frozen=True, slots=True)
class RecordEvent(Action):
    """Write this event to the outbox (the outbox numbers it and, unless the flow named one
    because something here derives from it, gives it an id)."""

    payload: Payload
    operator_id: str | None
    occurred_at: datetime
    event_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class ShowVerdict(Action):
    """Show a measurement's verdict big, with value, limits and unit."""

    characteristic: str
    name: str
    value: float
    verdict: Verdict
    spec: Spec
    critical: bool = False


@dataclass(frozen=True, slots=True)
class ShowOutputLot(Action):
    """A job finished: show the output lot it made (printing comes with the printer issue)."""

    output_lot: str
    product: str
    good_qty: float
    scrap_qty: float
    parents: tuple[str, ...] = ()
    held: bool = False  # the lot is on hold: it goes to the hold area, not on
    operation: int | None = None  # a lot that kept its id through this operation


@dataclass(frozen=True, slots=True)
class PrintTraveler(Action):
    """Print the job's traveler (at start and at completion)."""

    moment: Literal["start", "complete"]
    work_order: str
    product: str
    product_description: str
    operations: tuple[tuple[int, str], ...]
    current_operation: int
    output_lot: str
    qty: float
    operator: str
    at: datetime
    good_qty: float | None = None
    scrap_qty: float | None = None
    held: bool = False  # printed big on the traveler: the lot must not move on


@dataclass(frozen=True, slots=True)
class PrintHoldTag(Action):
    """Print a hold tag for a lot put on hold at this station."""

    lot: str
    reason: str
    ncr: str | None
    placed_by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class StopLine(Action):
    """Ask the station's PLC to stop the line (reaction plan)."""

    reason: str


@dataclass(frozen=True, slots=True)
class SetAndon(Action):
    """Set the station's stack light: a colour, or ``None`` for off."""

    colour: str | None


@dataclass(frozen=True, slots=True)
class StepResult:
    """A step's answer: the state reached, the actions to take, the operator's message."""

    state: StationState
    message: OperatorMessage
    actions: tuple[Action, ...] = field(default=())

    @property
    def payloads(self) -> list[Payload]:
        return [a.payload for a in self.actions if isinstance(a, RecordEvent)]

    @property
    def refused(self) -> bool:
        return self.message.level == "error"

    def of_type(self, kind: type[Action]) -> list[Action]:
        return [a for a in self.actions if isinstance(a, kind)]
