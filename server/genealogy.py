"""The genealogy closure: every lot made from some lots, or that went into them.

One recursive query over the indexed ``genealogy_edge`` table, run by the
database (never a walk in Python), used by holds that follow material, SPC
containment, recalls, complaints and traces alike. ``UNION`` over lot ids
ends the walk on a cycle (bad data cannot hang it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

Direction = Literal["backward", "forward"]
Db = Session | Connection | Engine

# Column names for walking each way: from ``this`` end of an edge to its ``other`` end.
ENDS: dict[str, tuple[str, str]] = {
    "backward": ("child_lot", "parent_lot"),
    "forward": ("parent_lot", "child_lot"),
}


class DirectionError(ValueError):
    pass


def check_direction(direction: str) -> tuple[str, str]:
    if direction not in ENDS:
        raise DirectionError(f"direction must be 'backward' or 'forward', not {direction!r}")
    return ENDS[direction]


def tune_for_traces(db: Session | Connection) -> None:
    """Planner settings for this transaction only (PostgreSQL): a walk is many small index
    probes into a working set that sits in memory, so random reads cost what sequential
    ones do, and compiling a plan (JIT) costs more than running it."""
    conn = db.connection() if isinstance(db, Session) else db
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(
                "SELECT set_config('random_page_cost', '1.1', true), set_config('jit', 'off', true)"
            )
        )


def rows(db: Db, stmt: Any, params: dict[str, Any] | None = None) -> list[Any]:
    """Run ``stmt`` on whatever the caller holds (inside its transaction when it has one)."""
    if isinstance(db, Engine):
        with db.connect() as conn:
            tune_for_traces(conn)
            return list(conn.execute(stmt, params or {}).all())
    if isinstance(db, Session):  # plain Core rows: the ORM's result machinery only costs time here
        db = db.connection()
    return list(db.execute(stmt, params or {}).all())


class Ids:
    """A list of ids bound as one parameter (an array on PostgreSQL, JSON text on SQLite) and
    used as a small table that drives index lookups.

    One parameter keeps the statement text the same however many ids there are;
    joining from the list (rather than ``id IN (...)``) keeps the planner on index
    probes however long the list is.
    """

    def __init__(self, db: Db) -> None:
        bind = db.get_bind() if isinstance(db, Session) else db
        self.pg = bind.dialect.name == "postgresql"

    def sql(self, name: str) -> tuple[str, str]:
        """The FROM item listing the ids bound as ``name``, and its id column."""
        if self.pg:
            return f"unnest(CAST(:{name} AS VARCHAR[])) AS {name}(id)", f"{name}.id"
        return f"json_each(:{name}) AS {name}", f"{name}.value"

    def value(self, ids: Iterable[str]) -> Any:
        return list(ids) if self.pg else json.dumps(list(ids))


def closure_sql(direction: str, seed_sql: str) -> str:
    this, other = check_direction(direction)
    return f"""
        WITH RECURSIVE reach(lot) AS (
            {seed_sql}
            UNION
            SELECT e.{other} FROM reach r JOIN genealogy_edge e ON e.{this} = r.lot
        )"""


def reachable(
    db: Db, lots: Iterable[str], direction: Direction, *, lots_only: bool = True
) -> set[str]:
    """Every lot reachable from ``lots`` (which are included when they exist), at any depth.

    ``forward`` gives what was made from them, ``backward`` what went into
    them. With ``lots_only`` serial units are left out. Ends on cycles.
    """
    seeds = sorted(set(lots))
    if not seeds:
        return set()
    ids = Ids(db)
    seeds_from, seed = ids.sql("seeds")
    seed_sql = (
        f"SELECT l.id FROM {seeds_from} JOIN lot l ON l.id = {seed} "
        f"UNION SELECT u.serial FROM {seeds_from} JOIN serial_unit u ON u.serial = {seed}"
    )
    final = (
        "SELECT r.lot FROM reach r JOIN lot l ON l.id = r.lot"
        if lots_only
        else "SELECT lot FROM reach"
    )
    params = {"seeds": ids.value(seeds)}
    return {row[0] for row in rows(db, text(closure_sql(direction, seed_sql) + final), params)}


def downstream_lots(db: Db, lots: Iterable[str], *, include_self: bool = True) -> set[str]:
    """The lots made from ``lots``, at any depth: what to hold with them ("and everything
    made from it")."""
    seeds = set(lots)
    found = reachable(db, seeds, "forward")
    return found if include_self else found - seeds


def upstream_lots(db: Db, lots: Iterable[str], *, include_self: bool = True) -> set[str]:
    """The lots that went into ``lots``, at any depth, down to the supplier lots."""
    seeds = set(lots)
    found = reachable(db, seeds, "backward")
    return found if include_self else found - seeds
