"""The envelope every event travels in, and parsing with reasons a person can read.

Terminals create the ``id`` (a UUID) and a per-station ``seq`` that only
grows, so the server can apply a replayed batch idempotently and in order.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.events.base import MAX_INT, Id40, Payload, readable, unstorable
from core.events.catalog import PAYLOADS

EventType = str


class Event(BaseModel):
    """The envelope every terminal writes to its outbox and posts to the server."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: uuid.UUID
    type: EventType
    station_id: Id40
    operator_id: Id40 | None = None
    occurred_at: datetime
    seq: int = Field(ge=1, le=MAX_INT)
    payload: dict[str, Any]

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at must carry a timezone (use UTC)")
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("occurred_at is out of range once converted to UTC") from None

    @field_validator("payload")
    @classmethod
    def _storable(cls, value: dict[str, Any]) -> dict[str, Any]:
        problem = unstorable(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in PAYLOADS:
            raise ValueError(f"unknown event type {value[:60]!r}")
        return value

    def typed_payload(self) -> Payload:
        """The payload parsed into its schema; raises ``EventError`` when it does not fit."""
        return parse_payload(self.type, self.payload)


class EventError(ValueError):
    """An event or payload that does not fit the protocol; the message is for people."""


def describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "event"
        parts.append(f"{where}: {str(err['msg']).removeprefix('Value error, ')}")
    return readable("; ".join(parts))


def parse_payload(event_type: str, payload: dict[str, Any]) -> Payload:
    model = PAYLOADS.get(event_type)
    if model is None:
        raise EventError(f"unknown event type {event_type!r}")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise EventError(f"{event_type} payload is malformed: {describe(exc)}") from None


def parse_event(raw: Any) -> Event:
    """Validate an envelope and its payload; raises ``EventError`` with a readable reason."""
    try:
        event = Event.model_validate(raw)
    except ValidationError as exc:
        raise EventError(f"malformed event: {describe(exc)}") from None
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
