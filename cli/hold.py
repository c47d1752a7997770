"""`lineside hold list|place|release`: holds for quality engineers and supervisors."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from cli.common import add_database_option, fail, open_engine

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("hold", help="list, place and release holds")
    add_database_option(p)
    p.add_argument("action", choices=["list", "place", "release"])
    p.add_argument(
        "target",
        nargs="?",
        help="place: the lot/station/work order; release: the hold id or its first characters",
    )
    p.add_argument(
        "--type",
        dest="target_type",
        default="lot",
        choices=["lot", "unit", "station", "work_order"],
    )
    p.add_argument("--reason", default="")
    p.add_argument("--badge", help="your badge (supervisor, inspector or quality engineer)")
    p.add_argument("--downstream", action="store_true", help="also hold every lot made from it")
    p.add_argument("--all", action="store_true", help="list: include released holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from server.quality import actions as qe

    engine = open_engine(args, migrate_embedded=False)
    if args.action == "list":
        return list_holds(engine, args)
    if not args.target or not args.badge:
        return fail(f"hold {args.action} needs a target and --badge")
    named = args.target
    if args.action == "place":
        if not args.reason:
            return fail("hold place needs --reason")
        result = qe.place_hold(
            engine,
            target_type=args.target_type,
            target=args.target,
            reason=args.reason,
            badge=args.badge,
            include_downstream=args.downstream,
        )
    else:
        from sqlmodel import Session

        from cli.hold_ids import HoldIdError, resolve_hold_id

        try:
            with Session(engine) as session:
                hold_id = resolve_hold_id(session, args.target)
        except HoldIdError as exc:
            return fail(str(exc))
        result = qe.release_hold(engine, hold_id, badge=args.badge, note=args.reason)
        named = hold_id
    if result.status == "rejected":
        return fail(result.reason or "refused")
    held = result.outcome.get("held")
    print(f"{args.action}d: {', '.join(held) if held else named}")
    return 0


def list_holds(engine: Engine, args: argparse.Namespace) -> int:
    from sqlalchemy import select
    from sqlmodel import Session

    from cli.hold_ids import short_ids
    from cli.plant_time import plant_clock
    from server.db import as_utc
    from server.models import Hold

    with Session(engine) as session:
        stmt = select(Hold).order_by(Hold.placed_at, Hold.id)
        if not args.all:
            stmt = stmt.where(Hold.status == "open")
        holds = list(session.execute(stmt).scalars())
        short = short_ids(session, [h.id for h in holds])
    if args.json:
        rows = [
            {
                "id": h.id,
                "short_id": short[h.id],
                "target_type": h.target_type,
                "target": h.target,
                "reason": h.reason,
                "source": h.source,
                "status": h.status,
                "ncr": h.ncr,
                "placed_by": h.placed_by,
                "placed_at": as_utc(h.placed_at),
                "released_by": h.released_by,
                "released_at": as_utc(h.released_at),
            }
            for h in holds
        ]
        print(json.dumps(rows, default=lambda v: v.isoformat()))
        return 0
    clock = plant_clock(engine)
    for h in holds:
        print(
            f"{short[h.id]:8}  {h.status:8} {h.target_type:10} {h.target:22} {h.ncr or '-':15} "
            f"{h.source:15} {clock.show(h.placed_at)}  by {h.placed_by or '-':10} {h.reason}"
        )
    if not holds:
        print("no holds" if args.all else "no open holds")
    return 0
