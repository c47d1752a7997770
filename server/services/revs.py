"""The change counter behind the station feed."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session


def next_rev(session: Session) -> int:
    """Take the next change number. On PostgreSQL the counter row stays locked
    until commit, so change numbers become visible in the order they were taken."""
    value = session.execute(
        text("UPDATE counter SET value = value + 1 WHERE name = 'rev' RETURNING value")
    ).scalar_one()
    return int(value)


def current_rev(session: Session) -> int:
    return int(session.execute(text("SELECT value FROM counter WHERE name = 'rev'")).scalar_one())


def next_counter(session: Session, name: str) -> int:
    """Next value of a named counter (created at 1 on first use)."""
    value = session.execute(
        text("UPDATE counter SET value = value + 1 WHERE name = :n RETURNING value"), {"n": name}
    ).scalar_one_or_none()
    if value is None:
        session.execute(text("INSERT INTO counter (name, value) VALUES (:n, 1)"), {"n": name})
        return 1
    return int(value)
