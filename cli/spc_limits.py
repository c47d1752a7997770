"""`lineside spc-limits` and `lineside signals`: control limits and SPC signals (server database).

    lineside spc-limits compute CHARACTERISTIC --badge B --reason WHY [--station S]
        [--from T] [--to T] [--chart C] [--no-iterate] [--rules we] [--run-length N] [--dry-run]
    lineside spc-limits standard CHARACTERISTIC --center MU --sigma SIGMA --badge B --reason WHY
    lineside spc-limits show CHARACTERISTIC [--json]
    lineside signals list [--all] [--station S] [--json]
    lineside signals ack SIGNAL_ID --badge B --note "assignable cause; action taken"

Exit 0 on success, 2 on bad input or a refusal (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from cli.common import add_database_option, fail, open_engine
from cli.plant_time import PlantClock, plant_clock


def _when(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date/time such as 2026-11-25T06:00Z"
        ) from None


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "spc-limits", help="compute, freeze and show control limits of a characteristic"
    )
    add_database_option(p)
    p.add_argument("action", choices=["compute", "standard", "show"])
    p.add_argument("characteristic")
    p.add_argument("--badge", help="who freezes the limits (quality engineer, MRB or admin)")
    p.add_argument("--reason", help="why these limits (e.g. 'initial study', 'new tooling')")
    p.add_argument("--station", help="compute: measurements of this station only")
    p.add_argument("--from", dest="start", type=_when, help="compute: measurements from (ISO time)")
    p.add_argument("--to", dest="end", type=_when, help="compute: measurements before (ISO time)")
    p.add_argument("--chart", choices=["imr", "xbar-r", "xbar-s"])
    p.add_argument(
        "--no-iterate",
        dest="iterate",
        action="store_false",
        help="compute: keep points beyond the limits in the baseline",
    )
    p.add_argument("--center", type=float, help="standard: the known process mean")
    p.add_argument("--sigma", type=float, help="standard: the known process sigma")
    p.add_argument(
        "--rules", default="we", help="we, nelson or a list such as we-1,nelson-2 (default: we)"
    )
    p.add_argument("--run-length", type=int, help="points on one side for we-4 / nelson-2")
    p.add_argument("--dry-run", action="store_true", help="compute and show, freeze nothing")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_limits)

    s = sub.add_parser("signals", help="list and acknowledge SPC signals")
    add_database_option(s)
    s.add_argument("action", choices=["list", "ack"])
    s.add_argument("signal", nargs="?", help="ack: the signal id")
    s.add_argument("--badge", help="ack: supervisor, inspector or quality engineer badge")
    s.add_argument("--note", help="ack: the assignable cause found and the action taken")
    s.add_argument("--station")
    s.add_argument("--all", action="store_true", help="list: include acknowledged signals")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=run_signals)


def _print_limits(view: dict[str, Any], clock: PlantClock) -> None:
    state = "active" if view["active"] else "retired"
    sigma = "-" if view["sigma"] is None else format(view["sigma"], ".6g")
    print(
        f"{view['characteristic']} v{view['version']} ({state}): {view['chart']}, "
        f"centre {view['center']:.6g}, sigma {sigma}, "
        f"frozen by {view['frozen_by']} at {clock.show(view['frozen_at'])}: {view['reason']}"
    )
    for line in view["lines"]:
        print(
            f"  {line['part']:<5} LCL {line['lcl']:.6g}  centre {line['center']:.6g}  "
            f"UCL {line['ucl']:.6g}"
        )
    print(f"  rules: {', '.join(view['rules'])}")


def run_limits(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from core.spc import SpcError, parse_rules
    from server.spc import service as spc

    engine = open_engine(args, migrate_embedded=False)
    clock = plant_clock(engine)  # before the session: on SQLite it holds the write lock
    try:
        with Session(engine) as session:
            if args.action == "show":
                history = spc.limits_history(session, args.characteristic)
                if args.json:
                    print(json.dumps(history, default=str))
                for view in [] if args.json else history:
                    _print_limits(view, clock)
                if not history and not args.json:
                    print(f"{args.characteristic} has no frozen control limits")
                return 0
            rules = parse_rules(args.rules, run_length=args.run_length)
            result = None
            if args.action == "standard":
                if args.center is None or args.sigma is None:
                    return fail("spc-limits standard needs --center and --sigma")
                draft = spc.standard(
                    session,
                    args.characteristic,
                    center=args.center,
                    sigma=args.sigma,
                    chart=args.chart,
                )
            else:
                result = spc.compute_limits(
                    session,
                    args.characteristic,
                    chart=args.chart,
                    station=args.station,
                    start=args.start,
                    end=args.end,
                    iterate=args.iterate,
                )
                draft = result.limits
    except LookupError as exc:
        return fail(str(exc.args[0]))
    except (SpcError, spc.SpcInputError) as exc:
        return fail(str(exc))
    if result is not None and result.excluded:
        print(f"phase I excluded points {', '.join(map(str, result.excluded))}")
    if args.dry_run:
        print(
            json.dumps(draft.to_dict())
            if args.json
            else f"{draft.chart}: centre {draft.center:.6g}, sigma {draft.sigma:.6g} (not frozen)"
        )
        return 0
    if not args.badge or not args.reason:
        return fail(f"spc-limits {args.action} needs --badge and --reason to freeze the limits")
    frozen = spc.freeze_limits(
        engine, args.characteristic, draft, badge=args.badge, reason=args.reason, rules=rules
    )
    if frozen.status == "rejected":
        return fail(frozen.reason or "refused")
    with Session(engine) as session:
        view = next(
            v
            for v in spc.limits_history(session, args.characteristic)
            if v["version"] == frozen.outcome["version"]
        )
    if args.json:
        print(json.dumps(view, default=str))
    else:
        _print_limits(view, clock)
    return 0


def run_signals(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from server.spc import service as spc

    engine = open_engine(args, migrate_embedded=False)
    if args.action == "list":
        with Session(engine) as session:
            signals = spc.list_signals(
                session, open_only=not args.all, station=args.station, limit=2000
            )
        if args.json:
            print(json.dumps([s.model_dump(mode="json") for s in signals]))
            return 0
        for s in signals:
            state = f"acknowledged by {s.acknowledged_by}" if s.acknowledged_by else "OPEN"
            print(
                f"{s.id}  {state:28} {s.station_id:10} {s.characteristic:14} point {s.point:<5} "
                f"{','.join(s.rules):10} {s.ncr or '-':15} "
                f"held {len(s.lots) + len(s.downstream)} lots"
            )
        if not signals:
            print("no open SPC signals" if not args.all else "no SPC signals")
        return 0
    if not args.signal or not args.badge or not args.note:
        return fail(
            "signals ack needs the signal id, --badge and --note (assignable cause; action taken)"
        )
    result = spc.acknowledge(engine, args.signal, badge=args.badge, note=args.note)
    if result.status == "rejected":
        return fail(result.reason or "refused")
    print(f"acknowledged {args.signal}")
    return 0
