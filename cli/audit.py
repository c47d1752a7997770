"""`lineside audit verify` and `lineside audit history`.

History lines read: when (plant time, zone named), log row, event, status, the
station and the person (badge and name) who did it, and what the event said.
"""

from __future__ import annotations

import argparse
import json

from cli.common import add_database_option, open_engine


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="verify the hash-chained event log, print a history")
    add_database_option(p)
    p.add_argument("action", choices=["verify", "history"])
    p.add_argument("target", nargs="?", help="history: a lot, job, work order or station id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from server import ledger

    engine = open_engine(args, migrate_embedded=False)
    if args.action == "verify":
        report = ledger.verify(engine)
        if args.json:
            brk = report.first_break
            print(json.dumps({"ok": report.ok, "rows": report.rows,
                              "first_break": None if brk is None else
                              {"row": brk.row_id, "event_id": brk.event_id, "problem": brk.problem}}))
        elif report.ok:
            print(f"audit log intact: {report.rows} events, every link verified")
        else:
            brk = report.first_break
            assert brk is not None
            print(f"audit log BROKEN at row {brk.row_id} (event {brk.event_id}): {brk.problem}")
        return 0 if report.ok else 1
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
        print(f"{when}  #{row['row']:<6} {row['type']:20} {row['status']:8} "
              f"at {row['station_id']} by {_who(row)}  {row['summary']}")
    if not rows:
        print(f"no events mention {args.target}")
    return 0


def _who(row: dict[str, object]) -> str:
    badge, name = row["operator_id"], row["operator_name"]
    if not badge:
        return "-"
    return f"{badge} ({name})" if name else str(badge)
