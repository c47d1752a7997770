"""Reference data a station needs to work on its own: the change-feed records.

The server sends these in its station feed; the kiosk caches them and decides
from them when the server is unreachable. Plain pydantic types, no storage.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from core.events.spc import SpcLimitsRef, SpcSignalRef
from core.routing import Step
from core.verdict import Spec


class _Ref(BaseModel):
    model_config = ConfigDict(frozen=True)


class CharacteristicRef(_Ref):
    id: str
    name: str
    nominal: float | None
    lsl: float | None
    usl: float | None
    unit: str
    critical: bool = False
    kind: str = "variable"
    subgroup_size: int = 1
    inspection: dict[str, object] | None = None
    reaction: list[str] | None = None

    def spec(self) -> Spec:
        return Spec(nominal=self.nominal, lsl=self.lsl, usl=self.usl, unit=self.unit)


class BomLineRef(_Ref):
    part: str
    qty_per: float
    after_operation: int | None = None


class OperationRef(_Ref):
    seq: int
    name: str
    stations: list[str]
    bom: list[BomLineRef] = []
    characteristics: list[CharacteristicRef] = []
    optional: bool = False
    parallel: bool = False
    new_lot: bool = False


class RoutingRef(_Ref):
    product: str
    product_description: str = ""
    operations: list[OperationRef]

    def steps(self) -> list[Step]:
        return [Step(o.seq, o.name, o.optional, o.parallel) for o in self.operations]

    def operation_for(self, station_id: str) -> OperationRef | None:
        for op in self.operations:
            if station_id in op.stations:
                return op
        return None


class WorkOrderRef(_Ref):
    number: str
    product: str
    qty: float
    status: str
    completed_qty: float = 0
    kind: str = "production"
    rework_lot: str | None = None
    rework_operation: int | None = None
    #: Good units made so far at each operation (its over-run is checked against ``qty``).
    made: dict[int, float] = {}


class LotRef(_Ref):
    id: str
    part: str
    qty: float
    status: str
    supplier: str | None = None
    supplier_lot: str | None = None
    #: Work in process: the work order whose routing the lot follows and the operations done.
    work_order: str | None = None
    ops_done: list[int] = []


class HoldRef(_Ref):
    id: str
    target_type: str
    target: str
    reason: str
    source: str
    status: str
    placed_at: datetime | None = None
    placed_by: str | None = None
    ncr: str | None = None


class OperatorRef(_Ref):
    badge: str
    name: str
    role: str
    pin_hash: str | None = None
    active: bool = True


class DefectCodeRef(_Ref):
    code: str
    description: str
    severity: str
    reaction: list[str] | None = None


class StationRef(_Ref):
    id: str
    name: str
    line: str = ""
    devices: list[dict[str, object]] = []


class Feed(_Ref):
    """One page of a station's change feed; ``cursor`` is passed back as ``since``."""

    cursor: int
    more: bool = False
    full: bool = False  # true when this page starts from nothing (cache may be replaced)
    station: StationRef | None = None
    routings: list[RoutingRef] = []
    work_orders: list[WorkOrderRef] = []
    lots: list[LotRef] = []
    holds: list[HoldRef] = []
    operators: list[OperatorRef] = []
    defect_codes: list[DefectCodeRef] = []
    barcodes: dict[str, str] = {}
    quality: dict[str, list[str]] = {}
    production: dict[str, float] = {}
    #: The plant's time zone (IANA name): what the station's clock and tickets show.
    timezone: str = ""
    spc_signals: list[SpcSignalRef] = []  # this station's signals: opened, extended, acknowledged
    spc_limits: list[SpcLimitsRef] = []  # control limits of characteristics routed here
