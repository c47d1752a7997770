"""The flow a line-side station runs: the standard steps, the quality loop, #TRACE and SPC."""

from __future__ import annotations

from core.flow.flow import Flow
from core.flow.quality import with_quality
from core.flow.step import DEFAULT_FLOW
from core.flow.trace import with_trace


def station_flow(base: Flow = DEFAULT_FLOW) -> Flow:
    flow = with_trace(with_quality(base))
    try:
        from core.flow.spc import with_spc  # type: ignore[attr-defined]
    except ImportError:
        return flow
    return with_spc(flow)


STATION_FLOW = station_flow()
