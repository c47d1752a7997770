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


# --- posting as a station does: the operator badges in before working -------------------

_logged_in: dict[tuple[str, str], str | None] = {}


def _login_event(station: str, badge: str) -> dict[str, Any]:
    return event(ev.OperatorLoggedIn(badge=badge), station=station, operator=badge)


def with_logins(engine: Any, raws: list[Any], station: str) -> tuple[list[Any], list[int]]:
    """``raws`` with an ``OperatorLoggedIn`` before each event whose operator is not the one
    logged in at ``station`` (as the badge scan at the kiosk does); and where the originals
    ended up."""
    key = (str(getattr(engine, "url", engine)), station)
    out: list[Any] = []
    where: list[int] = []
    current = _logged_in.get(key)
    for raw in raws:
        badge = raw.get("operator_id") if isinstance(raw, dict) else None
        typ = raw.get("type") if isinstance(raw, dict) else None
        if typ == "OperatorLoggedIn":
            current = raw.get("payload", {}).get("badge")
        elif typ == "OperatorLoggedOut":
            current = None
        elif badge and badge != current and station != "SERVER" and isinstance(raw.get("seq"), int):
            out.append(_login_event(station, badge))
            current = badge
        where.append(len(out))
        out.append(raw)
    _logged_in[key] = current
    return out, where


def ingest_batch(engine: Any, raws: list[Any], station: Any) -> list[Any]:
    """``server.apply.pipeline.ingest_batch`` for a station whose operators badge in first."""
    from server.apply import pipeline

    if not isinstance(station, str) or station == "SERVER":
        return pipeline.ingest_batch(engine, raws, station)
    posted, where = with_logins(engine, raws, station)
    results = pipeline.ingest_batch(engine, posted, station)
    return [results[i] for i in where]


def ingest_one(engine: Any, raw: Any, station: Any) -> Any:
    return ingest_batch(engine, [raw], station)[0]


def badge_in(station: str, badge: str) -> dict[str, Any]:
    """The login event a station records when ``badge`` is scanned there."""
    return _login_event(station, badge)
