"""Machine facts from a station's PLC: state changes and part counts."""

from __future__ import annotations

from core import events as ev
from core.outcomes import Outcome
from server.apply.context import ApplyContext


def on_machine_state(ctx: ApplyContext, p: ev.MachineStateChanged) -> Outcome:
    return Outcome(state=p.state)


def on_parts_counted(ctx: ApplyContext, p: ev.PartsCounted) -> Outcome:
    return Outcome(total=p.total)
