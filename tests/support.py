"""Builders shared by tests: events as a terminal would write them."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from core import events as ev

_seq: dict[str, itertools.count[int]] = {}


def event(payload: ev.Payload, station: str = "L1-TURN", operator: str | None = "EMP1001", **kw: Any) -> dict[str, Any]:
    counter = _seq.setdefault(station, itertools.count(1))
    e = ev.make_event(payload, station_id=station, seq=kw.pop("seq", next(counter)), operator_id=operator, **kw)
    return e.model_dump(mode="json")


def job_id() -> uuid.UUID:
    return uuid.uuid4()


def now() -> datetime:
    return datetime.now(UTC)
