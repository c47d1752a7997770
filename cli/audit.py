"""`lineside audit verify`, `lineside audit anchor` and `lineside audit history`.

``verify`` walks the hash chains (and the checkpoints); ``--deep`` also replays
the log into a scratch database and names the first table row that
disagrees with it; ``--anchor HASH`` checks a checkpoint hash kept outside the
database. ``anchor`` records a checkpoint now and prints its hash to write
down or print.

History lines read: when (plant time, zone named), log row, event, status, the
station and the person (badge and name) who did it, and what the event said.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from cli.common import add_database_option, open_engine


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit", help="verify the hash-chained event log, anchor it, print a history"
    )
    add_database_option(p)
    p.add_argument("action", choices=["verify", "anchor", "history"])
    p.add_argument("target", nargs="?", help="history: a lot, job, work order or station id")
    p.add_argument(
        "--deep", action="store_true",
        help="verify: replay the log into a scratch database and compare the tables",
    )  # fmt: skip
    p.add_argument(
        "--plant", type=Path, default=None,
        help="verify --deep: the plant file the opening lots and work orders came from",
    )  # fmt: skip
    p.add_argument(
        "--anchor", default=None, metavar="HASH",
        help="verify: a checkpoint hash written down earlier (lineside audit anchor)",
    )  # fmt: skip
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    engine = open_engine(args, migrate_embedded=False)
    if args.action == "verify":
        return _verify(engine, args)
    if args.action == "anchor":
        return _anchor(engine, args)
    return _history(engine, args)


def _verify(engine: Any, args: argparse.Namespace) -> int:
    from server import ledger

    if args.plant is not None and not args.plant.is_file():
        print(f"lineside: plant file {args.plant} not found")
        return 2
    report = ledger.verify(engine)
    brk = report.first_break
    anchor = ledger.anchor_problem(engine, args.anchor) if args.anchor else None
    deep = None
    if args.deep:
        from server.audit.deep import verify_deep
        from server.audit.scratch import WrongPlant

        try:
            deep = verify_deep(engine, plant_file=args.plant)
        except WrongPlant as exc:
            print(f"lineside: {exc}")
            return 2
    ok = report.ok and anchor is None and (deep is None or deep.ok)
    if args.json:
        out: dict[str, Any] = {
            "ok": ok, "rows": report.rows,
            "first_break": None if brk is None else
            {"row": brk.row_id, "event_id": brk.event_id, "problem": brk.problem},
        }  # fmt: skip
        if args.anchor:
            out["anchor"] = {"hash": args.anchor, "problem": anchor}
        if deep is not None:
            out["deep"] = {"ok": deep.ok, "events_replayed": deep.events_fed,
                           "first": deep.problems[0] if deep.problems else None,
                           "problems": deep.problems, "opening": deep.opening}  # fmt: skip
        print(json.dumps(out))
        return 0 if ok else 1
    if brk is None:
        print(f"audit log intact: {report.rows} events, every link verified")
    else:
        print(f"audit log BROKEN at row {brk.row_id} (event {brk.event_id}): {brk.problem}")
    if args.anchor:
        print(
            f"anchor {args.anchor[:16]}...: "
            + ("the log still holds what it recorded" if anchor is None else f"MISMATCH: {anchor}")
        )
    if deep is not None:
        _print_deep(deep)
    return 0 if ok else 1


def _print_deep(deep: Any) -> None:
    print(f"replayed {deep.events_fed} events into a scratch database")
    print(f"  {deep.opening}")
    if not deep.problems:
        print(
            "tables agree with the log: measurements, SPC points, signals and limits, defects, "
            "genealogy, consumptions, jobs, lots, routing records, serial units, shipments, "
            "holds, NCRs, dispositions, signatures, work orders"
        )
        return
    print(f"tables DISAGREE with the log: {deep.problems[0]}")
    for line in deep.problems[1:10]:
        print(f"  also: {line}")
    if len(deep.problems) > 10:
        print(f"  ... and {len(deep.problems) - 10} more")


def _anchor(engine: Any, args: argparse.Namespace) -> int:
    from server import ledger

    report = ledger.verify(engine)
    if not report.ok and report.first_break is not None:
        brk = report.first_break
        print(f"not anchored: the audit log is BROKEN at row {brk.row_id}: {brk.problem}")
        return 1
    cp = ledger.checkpoint(engine)
    rows = sum(count for count, _, _ in cp.heads.values())
    if args.json:
        chains = {
            c: {"rows": n, "last_row": i, "last_hash": h}
            for c, (n, i, h) in sorted(cp.heads.items())
        }
        out = {"checkpoint": cp.id, "at": cp.at.isoformat(), "hash": cp.hash, "rows": rows}
        print(json.dumps({**out, "chains": chains}))
        return 0
    print(f"checkpoint {cp.id} at {cp.at.strftime('%Y-%m-%d %H:%M:%S')} UTC over {rows} events "
          f"in {len(cp.heads)} chains")  # fmt: skip
    print(f"anchor hash: {cp.hash}")
    print(
        "write it down or print it; `lineside audit verify --anchor HASH` checks the log against it"
    )
    return 0


def _history(engine: Any, args: argparse.Namespace) -> int:
    from server.services.history import history

    if not args.target:
        print("lineside: audit history needs a lot, job, work order or station id")
        return 2
    rows = history(engine, args.target)
    if args.json:
        print(json.dumps(rows, default=lambda v: v.isoformat()))
        return 0
    from cli.plant_time import plant_clock

    clock = plant_clock(engine)
    for row in rows:
        when = clock.show(row["occurred_at"] or row["received_at"], seconds=True)
        print(
            f"{when}  #{row['row']:<6} {row['type']:20} {row['status']:8} "
            f"at {row['station_id']} by {_who(row)}  {row['summary']}"
        )
    if not rows:
        print(f"no events mention {args.target}")
    return 0


def _who(row: dict[str, object]) -> str:
    badge, name = row["operator_id"], row["operator_name"]
    if not badge:
        return "-"
    return f"{badge} ({name})" if name else str(badge)
