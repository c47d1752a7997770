"""`lineside schedule ...`: production scheduling from the command line.

``lineside schedule jobshop FILE`` solves a classic job-shop instance (the
OR-Library text format) with CP-SAT and prints its makespan; ``--json`` prints
one object with the makespan, the solver status, the solve time, the proven
lower bound and each machine's job sequence.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schedule", help="production scheduling (CP-SAT)")
    p.set_defaults(func=lambda _args: p.print_help() or 2)
    kinds = p.add_subparsers(dest="schedule_command", metavar="KIND")
    js = kinds.add_parser("jobshop", help="solve a classic job-shop instance file")
    js.add_argument("file", help="instance file: 'JOBS MACHINES', then machine/duration pairs")
    js.add_argument(
        "--time-limit",
        type=float,
        default=10.0,
        metavar="S",
        help="stop after S seconds with the best schedule found (default 10)",
    )
    js.add_argument("--workers", type=int, default=2, help="solver threads (default 2)")
    js.add_argument("--json", action="store_true")
    js.set_defaults(func=run_jobshop)


def run_jobshop(args: argparse.Namespace) -> int:
    from core.scheduling.jobshop import JobShopError, machine_id, parse_jobshop_text
    from server.scheduling.cpsat import solve

    path = Path(args.file)
    try:
        shop = parse_jobshop_text(path.read_text(), path.name)
    except OSError as exc:
        print(f"lineside: cannot read {path}: {exc.strerror}")
        return 2
    except JobShopError as exc:
        print(f"lineside: {exc}")
        return 2
    schedule = solve(shop.problem(), time_limit=args.time_limit, num_workers=args.workers)
    sequence = [
        [int(op.order[1:]) for op in schedule.on(machine_id(m))] for m in range(shop.machines)
    ]
    if args.json:
        out = {
            "instance": path.name,
            "jobs": shop.jobs,
            "machines": shop.machines,
            "makespan": schedule.makespan,
            "status": schedule.status,
            "solve_seconds": round(schedule.solve_seconds, 3),
            "sequence": sequence,
        }
        if schedule.lower_bound is not None:
            out["lower_bound"] = schedule.lower_bound
        if schedule.solver != "cp-sat":
            out["note"] = schedule.note
        print(json.dumps(out))
        return 0
    if schedule.status == "OPTIMAL":
        proof = "optimal"
    elif schedule.lower_bound is not None:
        proof = f"best found, lower bound {schedule.lower_bound}"
    else:
        proof = schedule.note
    print(f"{path.name}: makespan {schedule.makespan} ({proof}, {schedule.solve_seconds:.2f} s)")
    return 0
