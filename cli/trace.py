"""`lineside trace LOT`: what went into a lot (backward) or where it went (forward)."""

from __future__ import annotations

import argparse
import json

from cli.common import add_database_option, fail, open_engine
from core.trace_text import branches, describe, render


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("trace", help="trace a lot or serial: what went into it, or where it went")
    add_database_option(p)
    p.add_argument("lot", help="lot id or serial number")
    way = p.add_mutually_exclusive_group()
    way.add_argument(
        "--backward",
        dest="direction",
        action="store_const",
        const="backward",
        help="what went into it, down to supplier lots (default)",
    )
    way.add_argument(
        "--forward",
        dest="direction",
        action="store_const",
        const="forward",
        help="where it went, up to finished goods, customers and orders",
    )
    p.add_argument(
        "--depth", type=int, default=None, metavar="N", help="follow at most N edges (default: all)"
    )
    p.add_argument(
        "--limit", type=int, default=1000, metavar="N", help="show at most N lots (default 1000)"
    )
    p.add_argument(
        "--offset", type=int, default=0, metavar="N", help="skip the first N lots (paging)"
    )
    p.add_argument("--json", action="store_true", help="one JSON object: root, direction, lots")
    p.set_defaults(func=run, direction="backward")


def run(args: argparse.Namespace) -> int:
    from cli.plant_time import plant_clock
    from server.trace.query import TraceError, UnknownLot, trace

    engine = open_engine(args, migrate_embedded=False)
    try:
        clock = plant_clock(engine)
        result = trace(engine, args.lot, args.direction, args.depth, args.limit, args.offset)
    except UnknownLot as exc:
        return fail(str(exc), 1)
    except TraceError as exc:
        return fail(str(exc), 1 if "cycle" in str(exc) else 2)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(result.model_dump(mode="json")))
    else:
        print("\n".join(render(result, clock)))
    return 0


__all__ = ["add_parser", "branches", "describe", "render", "run"]
