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


def take_block(session: Session, name: str, n: int) -> int:
    """Take ``n`` consecutive values of a named counter; returns the first.

    Taken at the end of a batch, so the counter row is locked only until the
    commit that follows (change numbers still become visible in order)."""
    value = session.execute(
        text("UPDATE counter SET value = value + :n WHERE name = :name RETURNING value"),
        {"n": n, "name": name},
    ).scalar_one_or_none()
    if value is None:
        session.execute(
            text("INSERT INTO counter (name, value) VALUES (:name, :n)"), {"n": n, "name": name}
        )
        return 1
    return int(value) - n + 1
