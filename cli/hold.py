"""`lineside hold list|place|release`: holds for quality engineers and supervisors."""

from __future__ import annotations

import argparse
import json

from cli.common import add_database_option, fail, open_engine


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("hold", help="list, place and release holds")
    add_database_option(p)
    p.add_argument("action", choices=["list", "place", "release"])
    p.add_argument(
        "target", nargs="?", help="place: the lot/station/work order; release: the hold id"
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
    from sqlalchemy import select
    from sqlmodel import Session

    from server.models import Hold
    from server.quality import actions as qe

    engine = open_engine(args, migrate_embedded=False)
    if args.action == "list":
        with Session(engine) as session:
            stmt = select(Hold).order_by(Hold.placed_at)
            if not args.all:
                stmt = stmt.where(Hold.status == "open")
            holds = list(session.execute(stmt).scalars())
        if args.json:
            print(
                json.dumps(
                    [
                        {
                            "id": h.id,
                            "target_type": h.target_type,
                            "target": h.target,
                            "reason": h.reason,
                            "source": h.source,
                            "status": h.status,
                            "ncr": h.ncr,
                            "placed_by": h.placed_by,
                            "placed_at": h.placed_at,
                        }
                        for h in holds
                    ],
                    default=str,
                )
            )
        else:
            for h in holds:
                print(
                    f"{h.id}  {h.status:8} {h.target_type:10} {h.target:22} {h.ncr or '-':15} {h.source:15} {h.reason}"
                )
            if not holds:
                print("no open holds")
        return 0
    if not args.target or not args.badge:
        return fail(f"hold {args.action} needs a target and --badge")
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
        result = qe.release_hold(engine, args.target, badge=args.badge, note=args.reason)
    if result.status == "rejected":
        return fail(result.reason or "refused")
    held = result.outcome.get("held")
    print(f"{args.action}d: {', '.join(held) if held else args.target}")
    return 0
