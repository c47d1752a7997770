"""Work in process for flow tests: the lots waiting at a station, as its feed would bring them."""

from __future__ import annotations

from core import routing as rt
from core.flow.memory import MemoryReference
from core.reference import LotRef


def wip_lot_id(work_order: str, seq: int) -> str:
    return f"LOT-WIP-{work_order}-{seq}"


def lots_waiting(ref: MemoryReference, station_id: str) -> list[str]:
    """Put one lot per work order routed here that has been through the operations before this
    station's (none where the station starts the routing, or the plant file has one); their ids."""
    made = []
    for wo in ref.work_orders():
        routing = ref.routing(wo.product)
        op = routing.operation_for(station_id) if routing else None
        if routing is None or op is None or op.seq in rt.first_stage(routing.steps()):
            continue
        if any(lot.work_order == wo.number for lot in ref.lots_of_part(wo.product)):
            continue  # the plant file already has this work order's work in process
        done = [s.seq for s in rt.missing_before(routing.steps(), op.seq, ())]
        lot = LotRef(
            id=wip_lot_id(wo.number, op.seq), part=wo.product, qty=wo.qty, status="wip",
            work_order=wo.number, ops_done=done,
        )  # fmt: skip
        ref.put_lot(lot)
        made.append(lot.id)
    return made
