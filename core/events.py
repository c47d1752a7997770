"""Event schemas: the sync protocol between terminals and the server.

Every floor action is an immutable event made where it happens. The envelope
is the same for all; the payload is typed by ``type``. Terminals create the
``id`` (a UUID) and a per-station ``seq`` that only grows, so the server can
apply a replayed batch idempotently and in order.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Qty = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PositiveQty = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Code = Annotated[str, Field(min_length=1, max_length=80)]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OperatorLoggedIn(Payload):
    badge: Code


class OperatorLoggedOut(Payload):
    badge: Code
    reason: Literal["logout", "idle", "shift_end"] = "logout"


class JobStarted(Payload):
    job_id: uuid.UUID
    work_order: Code
    operation: int = Field(ge=0, description="Routing operation number (e.g. 10, 20)")
    output_lot: str | None = Field(
        default=None, max_length=80, description="Lot id the job will produce (printed on the traveler)"
    )


class LotConsumed(Payload):
    job_id: uuid.UUID
    lot: Code
    part: Code
    qty: PositiveQty
    known_rev: int | None = Field(
        default=None,
        ge=0,
        description="Feed cursor of the terminal's cache when it allowed the consumption; a conflict "
        "the terminal could not have known of is applied as history and raised as a quality escape",
    )


class MeasurementRecorded(Payload):
    job_id: uuid.UUID
    characteristic: Code
    value: float
    unit: str = Field(default="", max_length=20)
    unit_serial: str | None = Field(default=None, max_length=80)
    source: Literal["keyboard", "gauge", "plc"] = "keyboard"
    #: The gauge or PLC that took it (its name at the station): a gauge found out of
    #: calibration leads back to every value it gave.
    device: str | None = Field(default=None, max_length=60)
    verdict: Literal["pass", "fail"] | None = None  # the terminal's own verdict, for comparison

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("measurement value must be a finite number")
        return value


class DefectFlagged(Payload):
    job_id: uuid.UUID
    code: Code
    qty: PositiveQty = 1
    lot: str | None = Field(default=None, max_length=80)
    note: str = Field(default="", max_length=500)


class JobCompleted(Payload):
    job_id: uuid.UUID
    output_lot: Code
    good_qty: Qty
    scrap_qty: Qty = 0


class JobCancelled(Payload):
    job_id: uuid.UUID
    reason: str = Field(default="", max_length=200)


class HoldPlaced(Payload):
    hold_id: uuid.UUID
    target_type: Literal["lot", "unit", "station", "work_order"]
    target: Code
    reason: str = Field(min_length=1, max_length=500)
    source: Literal["failed_check", "critical_defect", "manual", "spc_signal", "offline_escape"] = (
        "manual"
    )
    include_downstream: bool = False
    cause_event_id: uuid.UUID | None = None
    ncr: str | None = Field(default=None, max_length=40)


class HoldReleased(Payload):
    hold_id: uuid.UUID
    note: str = Field(default="", max_length=500)


class MachineStateChanged(Payload):
    state: Literal["running", "idle", "down", "setup", "unknown"]
    previous_state: str | None = None
    reason_code: int | None = None
    duration_s: float | None = Field(default=None, ge=0)


class PartsCounted(Payload):
    job_id: uuid.UUID | None = None
    delta: int = Field(ge=0)
    total: int = Field(ge=0)


class NcrOpened(Payload):
    ncr: Code
    title: str = Field(max_length=300)
    source: str = Field(max_length=30)
    critical: bool = False
    lots: list[str] = []
    units: list[str] = []
    cause_event_id: uuid.UUID | None = None


class SupervisorNotified(Payload):
    kind: str = Field(max_length=30)
    message: str = Field(max_length=1000)
    cause_event_id: uuid.UUID | None = None


class LineStopRequested(Payload):
    reason: str = Field(max_length=500)
    cause_event_id: uuid.UUID | None = None


class DispositionSigned(Payload):
    """One e-signature on a disposition; the first one proposes it."""

    disposition_id: uuid.UUID
    ncr: Code
    kind: Literal["use_as_is", "rework", "scrap", "return_to_vendor", "sort"]
    details: dict[str, Any] = {}
    signer: Code
    meaning: str = Field(min_length=1, max_length=200)


class SignatureRefused(Payload):
    ncr: Code
    badge: str = Field(max_length=80)
    reason: str = Field(max_length=300)
    wrong_pin: bool = False


# Facts only the server records; a station posting one is refused.
SERVER_ONLY: set[str] = {
    "NcrOpened", "SupervisorNotified", "LineStopRequested", "DispositionSigned", "SignatureRefused",
}

PAYLOADS: dict[str, type[Payload]] = {
    cls.__name__: cls
    for cls in (
        OperatorLoggedIn,
        OperatorLoggedOut,
        JobStarted,
        LotConsumed,
        MeasurementRecorded,
        DefectFlagged,
        JobCompleted,
        JobCancelled,
        HoldPlaced,
        HoldReleased,
        MachineStateChanged,
        PartsCounted,
        NcrOpened,
        SupervisorNotified,
        LineStopRequested,
        DispositionSigned,
        SignatureRefused,
    )
}

EventType = str


def register_payload(cls: type[Payload], *, server_only: bool = False) -> type[Payload]:
    """Add a payload type to the protocol (used by modules that define more events)."""
    PAYLOADS[cls.__name__] = cls
    if server_only:
        SERVER_ONLY.add(cls.__name__)
    return cls


class Event(BaseModel):
    """The envelope every terminal writes to its outbox and posts to the server."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: uuid.UUID
    type: EventType
    station_id: Code
    operator_id: str | None = Field(default=None, max_length=80)
    occurred_at: datetime
    seq: int = Field(ge=1)
    payload: dict[str, Any]

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at must carry a timezone (use UTC)")
        return value.astimezone(UTC)

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in PAYLOADS:
            raise ValueError(f"unknown event type {value!r}")
        return value

    def typed_payload(self) -> Payload:
        """The payload parsed into its schema; raises ``EventError`` when it does not fit."""
        return parse_payload(self.type, self.payload)


class EventError(ValueError):
    """An event or payload that does not fit the protocol; the message is for people."""


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "event"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def parse_payload(event_type: str, payload: dict[str, Any]) -> Payload:
    model = PAYLOADS.get(event_type)
    if model is None:
        raise EventError(f"unknown event type {event_type!r}")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise EventError(f"{event_type} payload is malformed: {_describe(exc)}") from None


def parse_event(raw: Any) -> Event:
    """Validate an envelope and its payload; raises ``EventError`` with a readable reason."""
    try:
        event = Event.model_validate(raw)
    except ValidationError as exc:
        raise EventError(f"malformed event: {_describe(exc)}") from None
    event.typed_payload()
    return event


def make_event(
    payload: Payload,
    *,
    station_id: str,
    seq: int,
    operator_id: str | None = None,
    occurred_at: datetime | None = None,
    event_id: uuid.UUID | None = None,
) -> Event:
    """Build an envelope around a typed payload (terminal side)."""
    return Event(
        id=event_id or uuid.uuid4(),
        type=type(payload).__name__,
        station_id=station_id,
        operator_id=operator_id,
        occurred_at=occurred_at or datetime.now(UTC),
        seq=seq,
        payload=payload.model_dump(mode="json"),
    )


# Further event families register their payloads on import.
from core import material_events as _material_events  # noqa: E402,F401
from core import spc_events as _spc_events  # noqa: E402,F401
