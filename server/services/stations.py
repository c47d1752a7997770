"""Enrolling stations: the token a terminal posts its events with (stored hashed)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.security import hash_token, new_token
from server.models import Station
from server.services.revs import next_rev


def enroll(engine: Engine, station_id: str) -> str:
    """Issue a new token for ``station_id`` (the old one stops working); returns it once."""
    with Session(engine) as session:
        station = session.get(Station, station_id)
        if station is None:
            raise LookupError(f"station {station_id} is not in the plant file")
        token = new_token()
        station.token_hash = hash_token(token)
        station.token_issued_at = datetime.now(UTC)
        station.token_revoked_at = None
        station.rev = next_rev(session)
        session.add(station)
        session.commit()
    return token


def revoke(engine: Engine, station_id: str) -> bool:
    """Revoke a station's token; False when the station is unknown."""
    with Session(engine) as session:
        station = session.get(Station, station_id)
        if station is None:
            return False
        station.token_revoked_at = datetime.now(UTC)
        station.rev = next_rev(session)
        session.add(station)
        session.commit()
    return True
