"""Reference data held in memory: what the station cache loads, and what tests use.

``MemoryReference.apply_feed`` merges one page of the station change feed;
``feed_from_plant`` turns a plant file into the feed a station would receive,
so tests and rehearsals need no server.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from core.barcodes import BarcodeGrammar
from core.plant import Plant
from core.reference import (
    BomLineRef,
    CharacteristicRef,
    DefectCodeRef,
    Feed,
    HoldRef,
    LotRef,
    OperationRef,
    OperatorRef,
    RoutingRef,
    StationRef,
    WorkOrderRef,
)
from core.security import hash_pin


class MemoryReference:
    """Dict-backed ``ReferenceData``; updated only through ``apply_feed``/``put_*``."""

    def __init__(self, station_id: str) -> None:
        self.station_id = station_id
        self.clear()

    def clear(self) -> None:
        self._station: StationRef | None = None
        self._routings: dict[str, RoutingRef] = {}
        self._work_orders: dict[str, WorkOrderRef] = {}
        self._lots: dict[str, LotRef] = {}
        self._lots_by_part: dict[str, set[str]] = defaultdict(set)
        self._holds: dict[str, HoldRef] = {}
        self._holds_by_target: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._operators: dict[str, OperatorRef] = {}
        self._defect_codes: dict[str, DefectCodeRef] = {}
        self._barcodes: dict[str, str] = {}
        self._quality: dict[str, list[str]] = {}
        self._production: dict[str, float] = {}
        self._timezone = ""
        self._grammar: BarcodeGrammar | None = None

    # --- updates --------------------------------------------------------------

    def apply_feed(self, feed: Feed) -> None:
        """Merge one feed page; a ``full`` page replaces what was known."""
        if feed.full:
            self.clear()
        if feed.station is not None:
            self._station = feed.station
        for routing in feed.routings:
            self._routings[routing.product] = routing
        for wo in feed.work_orders:
            self._work_orders[wo.number] = wo
        for lot in feed.lots:
            self.put_lot(lot)
        for hold in feed.holds:
            self.put_hold(hold)
        for op in feed.operators:
            self._operators[op.badge] = op
        for code in feed.defect_codes:
            self._defect_codes[code.code] = code
        if feed.barcodes != self._barcodes:
            self._barcodes = dict(feed.barcodes)
            self._grammar = None
        if feed.quality:
            self._quality = {k: list(v) for k, v in feed.quality.items()}
        if feed.production:
            self._production = dict(feed.production)
        if feed.timezone:
            self._timezone = feed.timezone

    def put_lot(self, lot: LotRef) -> None:
        old = self._lots.get(lot.id)
        if old is not None and old.part != lot.part:
            self._lots_by_part[old.part].discard(lot.id)
        self._lots[lot.id] = lot
        self._lots_by_part[lot.part].add(lot.id)

    def put_hold(self, hold: HoldRef) -> None:
        old = self._holds.get(hold.id)
        if old is not None:
            self._holds_by_target[(old.target_type, old.target)].discard(hold.id)
        self._holds[hold.id] = hold
        self._holds_by_target[(hold.target_type, hold.target)].add(hold.id)

    # --- ReferenceData ----------------------------------------------------------

    def station(self) -> StationRef | None:
        return self._station

    def grammar(self) -> BarcodeGrammar:
        if self._grammar is None:
            known = {"badge", "work_order", "lot", "serial", "defect"}
            overrides: dict[str, Any] = {
                k: v for k, v in self._barcodes.items() if k in known and v
            }
            try:
                self._grammar = BarcodeGrammar(**overrides)
            except ValueError:  # a broken override must not stop the station scanning
                self._grammar = BarcodeGrammar()
        return self._grammar

    def operator(self, badge: str) -> OperatorRef | None:
        return self._operators.get(badge)

    def operators(self) -> list[OperatorRef]:
        return sorted(self._operators.values(), key=lambda o: o.badge)

    def work_order(self, number: str) -> WorkOrderRef | None:
        return self._work_orders.get(number)

    def work_orders(self) -> list[WorkOrderRef]:
        return sorted(self._work_orders.values(), key=lambda w: w.number)

    def routing(self, product: str) -> RoutingRef | None:
        return self._routings.get(product)

    def routings(self) -> list[RoutingRef]:
        return list(self._routings.values())

    def known_rev(self) -> int | None:
        return None

    def quality_settings(self) -> dict[str, list[str]]:
        """The plant's reaction defaults (``on_fail``, ``on_critical_defect``)."""
        return dict(self._quality)

    def production_settings(self) -> dict[str, float]:
        return dict(self._production)

    def timezone(self) -> str:
        """The plant's time zone as the feed named it ("" before any feed said)."""
        return self._timezone

    def lot(self, lot_id: str) -> LotRef | None:
        return self._lots.get(lot_id)

    def lots(self) -> list[LotRef]:
        return list(self._lots.values())

    def lots_of_part(self, part: str) -> list[LotRef]:
        return sorted(
            (self._lots[i] for i in self._lots_by_part.get(part, ())), key=lambda lot: lot.id
        )

    def open_holds(self, target_type: str, target: str) -> list[HoldRef]:
        ids = self._holds_by_target.get((target_type, target), ())
        return sorted(
            (self._holds[i] for i in ids if self._holds[i].status == "open"), key=lambda h: h.id
        )

    def holds(self) -> list[HoldRef]:
        return list(self._holds.values())

    def defect_code(self, code: str) -> DefectCodeRef | None:
        return self._defect_codes.get(code)

    def defect_codes(self) -> list[DefectCodeRef]:
        return sorted(self._defect_codes.values(), key=lambda d: d.code)

    def barcodes(self) -> dict[str, str]:
        return dict(self._barcodes)


def feed_from_plant(plant: Plant, station_id: str, cursor: int = 1) -> Feed:
    """The full first feed page a station would get for ``plant`` (no server needed)."""
    parts = {p.id: p for p in plant.parts}
    routings = [
        RoutingRef(
            product=r.product,
            product_description=parts[r.product].description if r.product in parts else "",
            operations=[
                OperationRef(
                    seq=op.seq,
                    name=op.name,
                    stations=list(op.stations),
                    bom=[BomLineRef(part=b.part, qty_per=b.qty_per) for b in op.bom],
                    characteristics=[
                        CharacteristicRef(
                            id=c.id,
                            name=c.name,
                            nominal=c.nominal,
                            lsl=c.lsl,
                            usl=c.usl,
                            unit=c.unit,
                            critical=c.critical,
                            kind=c.kind,
                            subgroup_size=c.subgroup_size,
                            inspection=c.inspection.model_dump() if c.inspection else None,
                            reaction=list(c.reaction) if c.reaction is not None else None,
                        )
                        for c in op.characteristics
                    ],
                )
                for op in r.operations
            ],
        )
        for r in plant.routings
    ]
    routed = {r.product for r in plant.routings for op in r.operations if station_id in op.stations}
    station = next((s for s in plant.stations if s.id == station_id), None)
    return Feed(
        cursor=cursor,
        full=True,
        station=StationRef(
            id=station.id, name=station.name, line=station.line, devices=station.devices
        )
        if station
        else None,
        routings=routings,
        work_orders=[
            WorkOrderRef(number=w.number, product=w.product, qty=w.qty, status=w.status)
            for w in plant.work_orders
            if w.product in routed
        ],
        lots=[
            LotRef(
                id=lot.id,
                part=lot.part,
                qty=lot.qty,
                status=lot.status,
                supplier=lot.supplier,
                supplier_lot=lot.supplier_lot,
                work_order=lot.work_order,
                ops_done=list(lot.ops_done),
            )
            for lot in plant.lots
        ],
        operators=[
            OperatorRef(
                badge=o.badge,
                name=o.name,
                role=o.role,
                # A feed held in memory only (tests, replays): one round of hashing is enough.
                pin_hash=o.pin_hash
                or (hash_pin(o.pin, salt=o.badge, iterations=1) if o.pin else None),
            )
            for o in plant.operators
        ],
        defect_codes=[
            DefectCodeRef(
                code=d.code,
                description=d.description,
                severity=d.severity,
                reaction=list(d.reaction) if d.reaction is not None else None,
            )
            for d in plant.defect_codes
        ],
        barcodes=plant.grammar_overrides(),
        quality={k: list(v) for k, v in plant.quality.model_dump().items()},
        production=plant.production.model_dump(),
        timezone=plant.plant.timezone,
    )


def reference_from_plant(plant: Plant, station_id: str) -> MemoryReference:
    ref = MemoryReference(station_id)
    ref.apply_feed(feed_from_plant(plant, station_id))
    return ref
