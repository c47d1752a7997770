"""Quality facts the server records: NCRs, notices, line stops, signatures."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import Field

from core.events.base import Code, Id40, Payload, Text


class NcrOpened(Payload):
    ncr: Id40
    title: Text = Field(max_length=300)
    source: Text = Field(max_length=30)
    critical: bool = False
    lots: list[Code] = Field(default_factory=list, max_length=100_000)
    units: list[Code] = Field(default_factory=list, max_length=100_000)
    cause_event_id: uuid.UUID | None = None


class SupervisorNotified(Payload):
    kind: Text = Field(max_length=30)
    message: Text = Field(max_length=1000)
    cause_event_id: uuid.UUID | None = None


class LineStopRequested(Payload):
    reason: Text = Field(max_length=500)
    cause_event_id: uuid.UUID | None = None


class DispositionSigned(Payload):
    """One e-signature on a disposition; the first one proposes it."""

    disposition_id: uuid.UUID
    ncr: Id40
    kind: Literal["use_as_is", "rework", "scrap", "return_to_vendor", "sort"]
    details: dict[str, Any] = {}
    signer: Id40
    meaning: Text = Field(min_length=1, max_length=200)


class SignatureRefused(Payload):
    ncr: Id40
    badge: Text = Field(max_length=40)
    reason: Text = Field(max_length=200)
    wrong_pin: bool = False
