"""Who may send an event: ``core.events.AUTHORITY`` applied to a batch's sender.

Checked before the event is applied: a station posts only for itself and only
the event types a station records, with the named operator logged in (or
badged in) there and allowed to do it; a person posts only in their own name;
facts only the server derives come from nowhere else.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from core import events as ev
from core.permissions import Action, may, refusal
from server import models as m
from server.apply.context import SERVER_STATION, Batch, Sender


def static_problem(sender: Sender, event: ev.Event) -> str | None:
    """What is wrong without looking at the database, or None."""
    rule = ev.AUTHORITY[event.type]
    if sender.kind == "station":
        if event.station_id != sender.station_id:
            return f"station {sender.station_id} may not post events as station {event.station_id}"
        if not rule.station:
            if not rule.person:
                return f"{event.type} is recorded by the server only"
            return (
                f"{event.type} is not recorded at a station: a person does it from the "
                "console, the CLI or the API"
            )
        return None
    if event.station_id != SERVER_STATION:
        return f"events recorded by people and the server belong to station {SERVER_STATION}"
    if sender.kind == "person":
        if not rule.person:
            if rule.station:
                return f"{event.type} is recorded at a station, by the operator logged in there"
            return f"{event.type} is recorded by the server only"
        if event.operator_id != sender.person:
            return f"{sender.person} may record events in their own name only"
        signer = event.payload.get("badge")
        if event.type == "SignatureRefused" and signer != sender.person:
            # A wrong PIN counts toward the signer's lockout: nobody records one for another.
            return (
                f"a refused signature is recorded in the name of the person who tried to sign: "
                f"{signer}, not {sender.person}"
            )
    return None


def present_at(session: Session, batch: Batch, station_id: str) -> set[str]:
    """Who is at a station now (logged in, or badged in for a check or an approval)."""
    key = f"presence:{station_id}"
    found = batch.memo.get(key)
    if found is None:
        found = set(
            session.execute(
                select(m.StationPresence.badge).where(m.StationPresence.station_id == station_id)
            ).scalars()
        )
        batch.memo[key] = found
    return found


def problem(session: Session, batch: Batch, sender: Sender, event: ev.Event) -> str | None:
    """What the database says against this sender sending this event, or None."""
    rule = ev.AUTHORITY[event.type]
    if sender.kind == "server" or rule.action is None:
        return None
    badge = event.operator_id
    if not badge:
        return f"{event.type} must name the person who did it (operator_id)"
    who = batch.get(m.Operator, badge)
    if who is None or not who.active:
        return f"badge {badge} is not an active person here"
    if (
        sender.kind == "station"
        and rule.present
        and badge not in present_at(session, batch, sender.station_id)
    ):
        return (
            f"{badge} ({who.name}) is not logged in at {sender.station_id}: log in with the "
            "badge first"
        )
    action = rule.action
    if event.type == "HoldPlaced":
        source = str(event.payload.get("source", "manual"))
        if source == "recall":
            action = Action.RECALL_HOLD
        elif source != "manual":
            return (
                f"{source.replace('_', ' ')} holds are placed by the server; a person places "
                "manual holds"
            )
    if not may(who.role, action):
        return refusal(action, badge, who.role)
    return None
