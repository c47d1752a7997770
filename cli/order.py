"""`lineside order show NUMBER`: a work order and where its units are, operation by operation."""

from __future__ import annotations

import argparse
import json

from cli.common import add_database_option, open_engine


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("order", help="work orders: progress per operation")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    show = verbs.add_parser(
        "show", help="a work order's progress: done, in process, waiting, remaining"
    )
    add_database_option(show)
    show.add_argument("number", help="work order number, e.g. WO-1001")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)


def run_show(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from server import models as m
    from server.services.progress import work_order_progress

    engine = open_engine(args, migrate_embedded=False)
    with Session(engine) as session:
        wo = session.get(m.WorkOrder, args.number.upper())
        if wo is None:
            print(f"lineside: work order {args.number} does not exist")
            return 1
        rows = work_order_progress(session, wo)
        head = {"number": wo.number, "product": wo.product, "qty": wo.qty, "status": wo.status,
                "completed_qty": wo.completed_qty, "due": wo.due}  # fmt: skip
    if args.json:
        print(json.dumps({**head, "operations": [r.model_dump() for r in rows]}, indent=2))
        return 0
    print(f"{wo.number}  {wo.product} x {wo.qty:g}  {wo.status.replace('_', ' ')}"
          + (f"  due {wo.due}" if wo.due else ""))  # fmt: skip
    print(
        f"  {'op':>4}  {'operation':26} {'good':>6} {'scrap':>6} {'running':>7} {'waiting':>7} {'held':>6} {'to do':>6}"
    )
    for r in rows:
        flags = " (optional)" if r.optional else ""
        name = (r.name + flags)[:26]
        skipped = f"  {r.skipped_lots} lot(s) skipped" if r.skipped_lots else ""
        print(f"  {r.seq:>4}  {name:26} {r.good:>6g} {r.scrap:>6g} {r.in_process:>7g} {r.waiting:>7g} "
              f"{r.held:>6g} {r.remaining:>6g}{skipped}")  # fmt: skip
    return 0
