"""The classic job-shop benchmark format (OR-Library ``jobshop1.txt``, Taillard-style
instance files) read into a scheduling problem.

The first data line holds the number of jobs and of machines; each following
line is one job: pairs of machine number (from 0) and processing time, in the
order the job visits them. Lines starting with ``#`` and blank lines are
skipped. Each machine becomes a station ``M<i>`` with no calendar, each job an
order ``J<j>`` with no due date, so the objective is the makespan.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.scheduling.model import Operation, Order, Problem, Resource


class JobShopError(ValueError):
    """The text is not a job-shop instance; the message names the line."""


@dataclass(frozen=True, slots=True)
class JobShop:
    jobs: int
    machines: int
    routes: tuple[tuple[tuple[int, int], ...], ...]  # per job: (machine, duration) pairs

    def problem(self) -> Problem:
        return Problem(
            resources=tuple(Resource(machine_id(m)) for m in range(self.machines)),
            orders=tuple(
                Order(
                    job_id(j),
                    tuple(
                        Operation(k, (machine_id(m),), setup=d) for k, (m, d) in enumerate(route)
                    ),
                )
                for j, route in enumerate(self.routes)
            ),
        )


def machine_id(index: int) -> str:
    return f"M{index}"


def job_id(index: int) -> str:
    return f"J{index}"


def _ints(text: str, where: str) -> list[int]:
    out = []
    for token in text.split():
        try:
            out.append(int(token))
        except ValueError:
            raise JobShopError(f"{where}: {token!r} is not a whole number") from None
    return out


def parse_jobshop_text(text: str, name: str = "<jobshop>") -> JobShop:
    """The instance in ``text``; ``name`` (a file name) prefixes error messages."""
    lines = [
        (n, line)
        for n, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise JobShopError(f"{name}: no data (expected a line 'JOBS MACHINES')")
    n, header = lines[0]
    sizes = _ints(header, f"{name} line {n}")
    if len(sizes) != 2:
        raise JobShopError(f"{name} line {n}: expected 'JOBS MACHINES', found {header.strip()!r}")
    jobs, machines = sizes
    if jobs < 1 or machines < 1:
        raise JobShopError(f"{name} line {n}: need at least one job and one machine")
    body = lines[1:]
    if len(body) != jobs:
        at = body[jobs][0] if len(body) > jobs else (body[-1][0] if body else n)
        raise JobShopError(
            f"{name} line {at}: the header says {jobs} jobs but {len(body)} job lines follow"
        )
    routes = []
    for n, line in body:
        where = f"{name} line {n}"
        values = _ints(line, where)
        if not values or len(values) % 2:
            raise JobShopError(
                f"{where}: expected pairs of machine and duration, found {len(values)} numbers"
            )
        route = []
        for machine, length in zip(values[::2], values[1::2], strict=True):
            if not 0 <= machine < machines:
                raise JobShopError(f"{where}: machine {machine} is not in 0..{machines - 1}")
            if length < 0:
                raise JobShopError(f"{where}: duration {length} is negative")
            route.append((machine, length))
        routes.append(tuple(route))
    return JobShop(jobs, machines, tuple(routes))


def parse_jobshop(text: str, name: str = "<jobshop>") -> Problem:
    """The instance in ``text`` as a scheduling problem (minimise the makespan)."""
    return parse_jobshop_text(text, name).problem()
