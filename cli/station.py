"""`lineside station enroll|revoke|list`."""

from __future__ import annotations

import argparse

from cli.common import add_database_option, fail, open_engine


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("station", help="enroll terminals: issue and revoke station tokens")
    add_database_option(p)
    p.add_argument("action", choices=["enroll", "revoke", "list"])
    p.add_argument("station", nargs="?", help="station id, as in the plant file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sqlalchemy import select
    from sqlmodel import Session

    from server.models import Station
    from server.services.stations import enroll, revoke

    engine = open_engine(args)
    if args.action == "list":
        with Session(engine) as session:
            for st in session.execute(select(Station).order_by(Station.id)).scalars():
                state = (
                    "revoked"
                    if st.token_revoked_at
                    else ("enrolled" if st.token_hash else "not enrolled")
                )
                print(f"{st.id:12} {state:13} {st.name}")
        return 0
    if not args.station:
        return fail(f"station {args.action} needs a station id")
    if args.action == "enroll":
        try:
            token = enroll(engine, args.station)
        except LookupError as exc:
            return fail(str(exc))
        print(token)
        return 0
    if not revoke(engine, args.station):
        return fail(f"station {args.station} is not in the plant file")
    print(f"station {args.station}: token revoked")
    return 0
