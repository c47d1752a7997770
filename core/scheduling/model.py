"""The scheduling problem: stations, work centres, orders and their operations, pins.

Time is whole minutes from the horizon start (minute 0); a plant's calendar is
turned into working windows in those minutes by ``core.scheduling.calendar``.

An operation is never split and never runs across a break: it must fit inside
one working window of the station it runs on (a window is a stretch of working
time between breaks or shifts off; a shift change with no pause between two
shifts does not end a window). A plant whose machines run through the breaks
leaves those breaks out of the calendar. Operations already running are facts:
their times are taken as given, calendar or not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

Window = tuple[int, int]
"""A stretch of working time [start, end) in minutes from the horizon start."""


class ProblemError(ValueError):
    """The problem cannot be scheduled as given (unknown station, op longer than any window...)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True, slots=True)
class Resource:
    """A station. ``windows`` are its working windows, sorted and disjoint; None: always open."""

    id: str
    windows: tuple[Window, ...] | None = None


@dataclass(frozen=True, slots=True)
class WorkCentre:
    """Interchangeable stations: an operation naming the work centre may run on any of them."""

    id: str
    stations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Operation:
    """One step of an order's routing.

    ``resources`` names the stations (or work centres) it may run on. It takes
    ``setup + per_unit * quantity`` minutes (rounded up) on any of them.
    """

    seq: int
    resources: tuple[str, ...]
    setup: float = 0.0
    per_unit: float = 0.0
    quantity: int | None = None  # None: the order's quantity


@dataclass(frozen=True, slots=True)
class Order:
    """A work order: its operations run in the given order, each after the one before ends.

    ``due`` is the due minute (None: no due date), ``weight`` the cost of one
    minute late, ``release`` the earliest start, ``material_ready`` the minute
    the order's material is (or is expected to be) at hand.
    """

    id: str
    operations: tuple[Operation, ...]
    quantity: int = 1
    due: int | None = None
    weight: int = 1
    release: int = 0
    material_ready: int = 0

    @property
    def earliest(self) -> int:
        return max(self.release, self.material_ready)


@dataclass(frozen=True, slots=True)
class Pin:
    """A planner's decision: this operation starts at ``start`` on ``resource``."""

    order: str
    seq: int
    resource: str
    start: int


@dataclass(frozen=True, slots=True)
class Running:
    """An operation already started: it occupies ``resource`` from ``start`` (may be
    before minute 0) to ``end`` (its expected end). Operations before it in the
    order are done and are left out of the order's chain."""

    order: str
    seq: int
    resource: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Problem:
    """Everything a solver needs. ``origin`` (optional) is the wall-clock time of minute 0,
    used only to word explanations."""

    resources: tuple[Resource, ...]
    orders: tuple[Order, ...]
    work_centres: tuple[WorkCentre, ...] = ()
    pins: tuple[Pin, ...] = ()
    running: tuple[Running, ...] = ()
    origin: datetime | None = field(default=None, compare=False)


def duration(order: Order, operation: Operation) -> int:
    """Minutes the operation takes: setup plus per-unit time times quantity, rounded up."""
    quantity = order.quantity if operation.quantity is None else operation.quantity
    minutes = operation.setup + operation.per_unit * quantity
    # A hair of tolerance so that 0.1 * 30 (3.0000000000000004) is 3, not 4.
    return max(0, math.ceil(minutes - 1e-9))
