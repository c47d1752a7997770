"""``verify_deep``: the chains first, then the log replayed and compared with the tables."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from server import ledger
from server.audit import compare, scratch
from server.audit.replay import replay
from server.audit.snapshot import frozen


@dataclass(frozen=True, slots=True)
class DeepReport:
    chains: ledger.VerifyReport
    events_fed: int
    problems: list[str] = field(default_factory=list)
    opening: str = ""

    @property
    def ok(self) -> bool:
        return self.chains.ok and not self.problems

    @property
    def first(self) -> str | None:
        if not self.chains.ok and self.chains.first_break is not None:
            brk = self.chains.first_break
            return f"log row {brk.row_id} (event {brk.event_id}): {brk.problem}"
        return self.problems[0] if self.problems else None


def verify_deep(engine: Engine, *, plant_file: Path | None = None, limit: int = 100) -> DeepReport:
    """Verify the chains, replay the log into a scratch database, compare what people read.

    ``problems`` lists, first: logged events the replay refused, then rows of
    the projections that disagree, then derived events in one log only; with
    ``plant_file``, last, reference rows (limits, roles, PINs, routings) that
    differ from the file."""
    with frozen(engine) as live:
        return _verify(live, plant_file, limit)


def _verify(engine: Engine, plant_file: Path | None, limit: int) -> DeepReport:
    chains = ledger.verify(engine)
    box = scratch.build(engine, plant_file)
    quiet = logging.getLogger("server.apply.pipeline")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # a refused replayed event is reported below, not logged
    try:
        fed = replay(engine, box.engine, box.later)
        problems = [r.describe() for r in fed.refusals[:limit]]
        problems += [d.describe() for d in compare.differences(engine, box.engine, limit)]
        problems += [d.describe() for d in compare.log_differences(engine, box.engine)[:limit]]
        if plant_file is not None:
            problems += _against_plant_file(engine, plant_file, limit)
    finally:
        quiet.setLevel(level)
        box.close()
    return DeepReport(chains, fed.fed, problems[:limit], box.opening)


def _against_plant_file(engine: Engine, plant_file: Path, limit: int) -> list[str]:
    filed = scratch.plant_as_filed(plant_file)
    try:
        found = compare.differences(
            engine, filed.engine, limit, projections=compare.REFERENCE, against="plant"
        )
    finally:
        filed.close()
    return [d.describe() for d in found]
