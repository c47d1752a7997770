"""Overall equipment effectiveness (ISO 22400-2): pure maths over a station's record.

- metrics: Oee (availability, performance, quality, OEE, TEEP) and Losses; oee_from_totals
  for a kiosk's shift totals; combine for several periods or stations
- states: machine state changes -> stretches, micro-stops told from downtime
- counters: PLC counter samples -> increments (16/32-bit rollover, PLC restarts); Count
- streams: OEE over planned busy time from states and counts, per shift, day, order, station
"""

from core.oee.counters import (
    Count,
    CounterSample,
    Increment,
    counter_increments,
    counts_from_counters,
)
from core.oee.metrics import Losses, Oee, combine, make_oee, oee_from_totals
from core.oee.states import STATES, Segment, StateChange, segments
from core.oee.streams import (
    OrderSpan,
    ShiftWindow,
    Span,
    Stream,
    oee,
    per_day,
    per_order,
    per_shift,
    per_station,
)

__all__ = [
    "STATES",
    "Count",
    "CounterSample",
    "Increment",
    "Losses",
    "Oee",
    "OrderSpan",
    "Segment",
    "ShiftWindow",
    "Span",
    "StateChange",
    "Stream",
    "combine",
    "counter_increments",
    "counts_from_counters",
    "make_oee",
    "oee",
    "oee_from_totals",
    "per_day",
    "per_order",
    "per_shift",
    "per_station",
    "segments",
]
