"""Facts the CLI tests start from, recorded the way people record them (server-side events)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from server.apply.context import Sender
from server.apply.pipeline import post


def url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def place_hold(
    engine: Engine,
    lot: str,
    reason: str,
    *,
    hold_id: str | None = None,
    at: datetime | None = None,
    badge: str = "EMP1009",
    ncr: str | None = None,
) -> str:
    """A manual hold on ``lot``; its id."""
    hid = uuid.UUID(hold_id) if hold_id else uuid.uuid4()
    result = post(
        engine,
        ev.HoldPlaced(
            hold_id=hid, target_type="lot", target=lot, reason=reason, source="manual", ncr=ncr
        ),
        Sender.of_person(badge),
        occurred_at=at,
    )
    assert result.status == "applied", result.reason
    return str(hid)


def open_ncr(
    engine: Engine, title: str, lots: list[str], at: datetime, badge: str = "EMP1010"
) -> str:
    """A manual NCR opened at ``at``; its number."""
    from server.quality.ncrs import new_ncr_id

    with Session(engine) as session:
        ncr_id = new_ncr_id(session, at)
        session.commit()
    result = post(
        engine,
        ev.NcrOpened(ncr=ncr_id, title=title, source="manual", lots=lots),
        Sender.of_person(badge),
        occurred_at=at,
    )
    assert result.status == "applied", result.reason
    return ncr_id
