"""Plant scheduling benchmark: CP-SAT against the earliest-due-date dispatcher.

A random but seeded plant: --stations stations in work centres of
--per-centre interchangeable stations, two shifts on weekdays (06:00-14:00,
14:00-22:00, with breaks), --orders orders of --ops operations each, each
operation on a random work centre, released over the first eight days and due
within the two weeks (some wait for material). Working windows are given for
three weeks so late work still has somewhere to go.

Prints, for the dispatcher and for CP-SAT (--time-limit, --workers), the solve
time, the weighted and plain total tardiness, the late orders and the
makespan, and the ratio of weighted tardiness; --json prints one object.

    .venv/bin/python bench/schedule.py [--orders 500] [--ops 5] [--stations 20]
        [--per-centre 4] [--time-limit 60] [--workers 2] [--seed 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import datetime
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.scheduling import (  # noqa: E402
    Calendar,
    Operation,
    Order,
    Problem,
    Resource,
    Schedule,
    Shift,
    WorkCentre,
    check_schedule,
    greedy,
    windows,
)
from server.scheduling.cpsat import solve  # noqa: E402

ORIGIN = datetime(2026, 6, 1)  # a Monday
DAY = 1440
TWO_SHIFTS = Calendar(
    (
        Shift(clock(6), clock(14), breaks=((clock(9), clock(9, 15)), (clock(12), clock(12, 30)))),
        Shift(
            clock(14), clock(22), breaks=((clock(17), clock(17, 15)), (clock(19, 30), clock(20)))
        ),
    )
)


def plant(orders: int, ops: int, stations: int, per_centre: int, seed: int) -> Problem:
    rng = random.Random(seed)
    open_ = windows(TWO_SHIFTS, ORIGIN, 21 * DAY)
    resources = tuple(Resource(f"ST-{i:02d}", open_) for i in range(stations))
    centres = tuple(
        WorkCentre(f"WC-{c}", tuple(r.id for r in resources[c * per_centre : (c + 1) * per_centre]))
        for c in range((stations + per_centre - 1) // per_centre)
    )
    out = []
    for i in range(orders):
        quantity = rng.randrange(20, 81)
        route = tuple(
            Operation(
                10 * (k + 1),
                (rng.choice(centres).id,),
                setup=rng.randrange(10, 31),
                per_unit=round(rng.uniform(0.2, 1.0), 2),
            )
            for k in range(ops)
        )
        work = sum(op.setup + op.per_unit * quantity for op in route)
        release = rng.randrange(0, 8 * DAY)
        # Allowance: a few times the work content in calendar time, plus a day or two.
        due = min(release + int(work * rng.uniform(3, 8)) + rng.randrange(DAY, 3 * DAY), 14 * DAY)
        material = release + rng.randrange(0, 2 * DAY) if rng.random() < 0.2 else 0
        out.append(
            Order(
                f"WO-{i + 1:04d}",
                route,
                quantity=quantity,
                due=due,
                weight=rng.choice((1, 1, 2, 3)),
                release=release,
                material_ready=material,
            )
        )
    return Problem(resources, tuple(out), centres, origin=ORIGIN)


def figures(schedule: Schedule) -> dict[str, object]:
    return {
        "solver": schedule.solver,
        "status": schedule.status,
        "solve_seconds": round(schedule.solve_seconds, 2),
        "weighted_tardiness": schedule.weighted_tardiness,
        "total_tardiness": schedule.total_tardiness,
        "late_orders": len(schedule.late()),
        "makespan": schedule.makespan,
        "lower_bound": schedule.lower_bound,
        "note": schedule.note,
    }


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--orders", type=int, default=500)
    ap.add_argument("--ops", type=int, default=5)
    ap.add_argument("--stations", type=int, default=20)
    ap.add_argument("--per-centre", type=int, default=4)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    problem = plant(args.orders, args.ops, args.stations, args.per_centre, args.seed)
    baseline = greedy(problem)
    started = time.perf_counter()
    best = solve(problem, time_limit=args.time_limit, num_workers=args.workers, seed=args.seed)
    wall = time.perf_counter() - started
    for schedule in (baseline, best):
        problems = check_schedule(problem, schedule)
        assert not problems, problems[:5]
    ratio = (
        best.weighted_tardiness / baseline.weighted_tardiness
        if baseline.weighted_tardiness
        else None
    )
    total_ratio = (
        best.total_tardiness / baseline.total_tardiness if baseline.total_tardiness else None
    )
    result = {
        "orders": args.orders,
        "operations": args.orders * args.ops,
        "stations": args.stations,
        "work_centres": len(problem.work_centres),
        "time_limit": args.time_limit,
        "workers": args.workers,
        "greedy": figures(baseline),
        "cpsat": {**figures(best), "wall_seconds": round(wall, 2)},
        "weighted_tardiness_ratio": None if ratio is None else round(ratio, 3),
        "total_tardiness_ratio": None if total_ratio is None else round(total_ratio, 3),
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"lineside scheduling benchmark: {args.orders} orders x {args.ops} operations on "
        f"{args.stations} stations in {len(problem.work_centres)} work centres, two shifts "
        "on weekdays"
    )
    for name, s in (("greedy (EDD)", baseline), ("CP-SAT", best)):
        print(
            f"{name:13} {s.solve_seconds:7.2f} s  weighted tardiness {s.weighted_tardiness:9,}"
            f"  total tardiness {s.total_tardiness:9,} min  late orders {len(s.late()):4}"
            f"  makespan {s.makespan:6} min  [{s.status}: {s.note}]"
        )
    if ratio is not None and total_ratio is not None:
        print(
            f"CP-SAT / greedy: weighted tardiness {ratio:.3f}, total tardiness "
            f"{total_ratio:.3f} (wall {wall:.1f} s incl. model build, limit "
            f"{args.time_limit:g} s on {args.workers} workers)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
