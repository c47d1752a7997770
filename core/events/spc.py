"""Events of statistical process control on the server: frozen limits, signals, acknowledgements.

``SpcLimitsFrozen`` and ``SpcSignal`` are facts only the server records (a
station posting one is refused). ``SpcSignalAcknowledged`` may come from the
station that produced the data (its kiosk queues it like any floor action)
or from the server on behalf of a supervisor.

``SpcSignalRef`` and ``SpcLimitsRef`` are what a station's change feed can
carry so a kiosk shows open signals and draws limit lines offline.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.events.base import Code, Id40, Payload, Text


class SignalViolation(Payload):
    """One rule that fired at the signalling point, with every point of its pattern."""

    rule: Code
    part: Text = Field(max_length=10)
    points: list[int]
    message: Text = Field(max_length=300)


class SpcLimitsFrozen(Payload):
    """A quality engineer froze a new version of a characteristic's control limits.

    ``limits`` is ``core.spc.ControlLimits.to_dict()``; ``rules`` the run rules
    (``RuleSpec`` fields) that monitoring applies with them. Who froze them is
    the event's operator, when is its time.
    """

    characteristic: Code
    version: int = Field(ge=1, le=2**31 - 1)
    limits: dict[str, Any]
    rules: list[dict[str, Any]] = Field(min_length=1)
    reason: Text = Field(min_length=1, max_length=500)


class SpcSignal(Payload):
    """Run rules fired at one point of a characteristic's chart at a station.

    ``suspect_from`` is the first point of the suspect range (the earliest
    point of any pattern that fired); ``lots`` are the lots made in that range
    and ``downstream`` the lots made from them, held under ``ncr``. A signal
    that fires while an earlier one on the same chart is still unacknowledged
    names it in ``continues`` and extends its containment instead of opening
    a new one.
    """

    signal_id: uuid.UUID
    characteristic: Code
    station: Id40
    work_order: Id40 | None = None
    point: int = Field(ge=0)
    violations: list[SignalViolation] = Field(min_length=1)
    limits_version: int = Field(ge=1)
    suspect_from: int = Field(ge=0)
    lots: list[str] = []
    downstream: list[str] = []
    units: list[str] = []
    ncr: Id40 | None = None
    continues: uuid.UUID | None = None
    cause_event_id: uuid.UUID | None = None


class SpcSignalAcknowledged(Payload):
    """Someone looked at a signal: the assignable cause found and the action taken."""

    signal_id: uuid.UUID
    note: Text = Field(max_length=1000)

    @field_validator("note")
    @classmethod
    def _has_note(cls, value: str) -> str:
        if len(value.strip()) < 3:
            raise ValueError("say what the assignable cause was and what was done about it")
        return value.strip()


class _Ref(BaseModel):
    model_config = ConfigDict(frozen=True)


class SpcSignalRef(_Ref):
    """An SPC signal as a station sees it (open until acknowledged)."""

    id: str
    characteristic: str
    station_id: str
    point: int
    rules: list[str]
    message: str
    limits_version: int
    suspect_from: int
    lots: list[str] = []
    downstream: list[str] = []
    ncr: str | None = None
    at: datetime | None = None
    later_points: list[int] = []
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    note: str | None = None
    rev: int = 0


class SpcLimitLine(_Ref):
    part: str
    center: float
    lcl: float
    ucl: float
    sigma: float


class SpcLimitsRef(_Ref):
    """The frozen limits a kiosk draws a characteristic's chart with."""

    characteristic: str
    version: int
    chart: str
    subgroup_size: int | None
    lines: list[SpcLimitLine]
    rules: list[str]
    active: bool = True
    rev: int = 0
