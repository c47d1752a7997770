"""Small problems shared by the scheduling tests."""

from __future__ import annotations

import random

from core.scheduling import Operation, Order, Problem, Resource, WorkCentre


def op(seq: int, *resources: str, minutes: float = 0, per_unit: float = 0) -> Operation:
    return Operation(seq, tuple(resources), setup=minutes, per_unit=per_unit)


def two_station_line() -> Problem:
    """WO-1007 and WO-1008 both saw on L1-SAW, then turn on L1-TURN; WO-1007 is due first."""
    return Problem(
        resources=(Resource("L1-SAW"), Resource("L1-TURN")),
        orders=(
            Order(
                "WO-1007", (op(10, "L1-SAW", minutes=30), op(20, "L1-TURN", minutes=100)), due=140
            ),
            Order(
                "WO-1008", (op(10, "L1-SAW", minutes=40), op(20, "L1-TURN", minutes=80)), due=150
            ),
        ),
    )


def random_plant(
    seed: int,
    orders: int = 8,
    ops: int = 3,
    centres: int = 3,
    per_centre: int = 2,
    calendar: bool = True,
) -> Problem:
    """Orders routed through random work centres of interchangeable stations, with due dates,
    weights, releases and (optionally) a calendar of 8-hour days with a pause."""
    rng = random.Random(seed)
    day = ((0, 240), (270, 480))
    resources = []
    for c in range(centres):
        for s in range(per_centre):
            shift = rng.randrange(0, 60)
            ws = tuple(
                (d * 1440 + a + shift, d * 1440 + b + shift) for d in range(30) for a, b in day
            )
            resources.append(Resource(f"WC{c}-{s}", ws if calendar else None))
    work_centres = tuple(
        WorkCentre(f"WC{c}", tuple(f"WC{c}-{s}" for s in range(per_centre))) for c in range(centres)
    )
    out = []
    for i in range(orders):
        route = tuple(
            Operation(
                10 * (k + 1),
                (f"WC{rng.randrange(centres)}",),
                setup=rng.randrange(5, 30),
                per_unit=rng.choice((0.5, 1.0, 2.0)),
            )
            for k in range(ops)
        )
        release = rng.randrange(0, 600)
        out.append(
            Order(
                f"WO-{i:03d}",
                route,
                quantity=rng.randrange(10, 60),
                due=release + rng.randrange(200, 1400),
                weight=rng.randrange(1, 4),
                release=release,
                material_ready=rng.choice((0, 0, release + 60)),
            )
        )
    return Problem(tuple(resources), tuple(out), work_centres)
