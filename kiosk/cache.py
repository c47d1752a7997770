"""The station's reference cache: the change feed, kept on disk, served from memory.

Every feed page is written to SQLite (with its cursor) and merged into a
``MemoryReference`` the flow reads from. The station's own consumption is
laid over the cached lots until the server's feed reflects it, so a lot
consumed offline shows what is really left.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from core.barcodes import BarcodeGrammar
from core.flow.memory import MemoryReference
from core.reference import (
    DefectCodeRef,
    Feed,
    HoldRef,
    LotRef,
    OperatorRef,
    RoutingRef,
    StationRef,
    WorkOrderRef,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ref (kind TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL,
                                PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# feed field -> (kind stored, key attribute, model)
_KINDS: dict[str, tuple[str, str, type[Any]]] = {
    "routings": ("routing", "product", RoutingRef),
    "work_orders": ("work_order", "number", WorkOrderRef),
    "lots": ("lot", "id", LotRef),
    "holds": ("hold", "id", HoldRef),
    "operators": ("operator", "badge", OperatorRef),
    "defect_codes": ("defect_code", "code", DefectCodeRef),
}


class StationCache:
    """``ReferenceData`` for the flow, persisted; safe to ``persist`` from a worker thread."""

    def __init__(self, path: Path, station_id: str) -> None:
        self.path = path
        self.station_id = station_id
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, timeout=10, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # the feed can always be fetched again
        self._db.executescript(_SCHEMA)
        self.memory = MemoryReference(station_id)
        self.cursor = 0
        self._consumed: dict[str, tuple[str, float]] = {}  # event id -> (lot, qty) not yet answered
        self._load()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @property
    def ready(self) -> bool:
        """True once a feed page has ever arrived (the station can work offline)."""
        return self.cursor > 0

    def _load(self) -> None:
        with self._lock:
            meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            rows = self._db.execute("SELECT kind, body FROM ref").fetchall()
        feed: dict[str, Any] = {"cursor": int(meta.get("cursor", 0)), "full": True}
        by_kind = {kind: field for field, (kind, _, _) in _KINDS.items()}
        for kind, body in rows:
            feed.setdefault(by_kind[kind], []).append(json.loads(body))
        if "station" in meta:
            feed["station"] = json.loads(meta["station"])
        if "barcodes" in meta:
            feed["barcodes"] = json.loads(meta["barcodes"])
        if "quality" in meta:
            feed["quality"] = json.loads(meta["quality"])
        self.memory.apply_feed(Feed.model_validate(feed))
        self.cursor = feed["cursor"]

    # --- feed pages ------------------------------------------------------------------

    def persist(self, page: Feed) -> None:
        """Write one feed page and its cursor (may run in a worker thread)."""
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                if page.full:
                    db.execute("DELETE FROM ref")
                for field, (kind, key, _model) in _KINDS.items():
                    items = getattr(page, field)
                    db.executemany(
                        "INSERT INTO ref (kind, key, body) VALUES (?, ?, ?) "
                        "ON CONFLICT(kind, key) DO UPDATE SET body = excluded.body",
                        [(kind, getattr(item, key), item.model_dump_json()) for item in items],
                    )
                meta = {"cursor": str(page.cursor), "barcodes": json.dumps(page.barcodes)}
                if page.quality:
                    meta["quality"] = json.dumps(page.quality)
                if page.station is not None:
                    meta["station"] = page.station.model_dump_json()
                db.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    list(meta.items()),
                )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def merge(self, page: Feed) -> None:
        """Take a persisted page into memory (on the thread that runs the flow)."""
        self.memory.apply_feed(page)
        self.cursor = page.cursor

    def apply_page(self, page: Feed) -> None:
        self.persist(page)
        self.merge(page)

    # --- the station's own changes ---------------------------------------------------

    def note_consumed(self, event_id: str, lot: str, qty: float) -> None:
        """The station consumed ``qty`` of ``lot``: count it until the server answers."""
        self._consumed[event_id] = (lot, qty)

    def note_answered(self, event_id: str, applied: bool, outcome: dict[str, Any] | None) -> None:
        """The server answered a consumption: take what it says is left in the lot."""
        if self._consumed.pop(event_id, None) is None or not applied or not outcome:
            return
        lot = self.memory.lot(str(outcome.get("lot")))
        remaining = outcome.get("remaining")
        if lot is not None and isinstance(remaining, int | float):
            status = str(outcome.get("lot_status") or lot.status)
            self.memory.put_lot(lot.model_copy(update={"qty": float(remaining), "status": status}))

    def consumed_locally(self, lot_id: str) -> float:
        return sum(qty for lot, qty in self._consumed.values() if lot == lot_id)

    # --- ReferenceData ---------------------------------------------------------------

    def station(self) -> StationRef | None:
        return self.memory.station()

    def grammar(self) -> BarcodeGrammar:
        return self.memory.grammar()

    def operator(self, badge: str) -> OperatorRef | None:
        return self.memory.operator(badge)

    def work_order(self, number: str) -> WorkOrderRef | None:
        return self.memory.work_order(number)

    def work_orders(self) -> list[WorkOrderRef]:
        return self.memory.work_orders()

    def routing(self, product: str) -> RoutingRef | None:
        return self.memory.routing(product)

    def _effective(self, lot: LotRef) -> LotRef:
        used = self.consumed_locally(lot.id)
        if used <= 0:
            return lot
        left = max(0.0, round(lot.qty - used, 6))
        status = "consumed" if left <= 1e-9 and lot.status == "available" else lot.status
        return lot.model_copy(update={"qty": left, "status": status})

    def known_rev(self) -> int | None:
        return self.cursor or None

    def quality_settings(self) -> dict[str, list[str]]:
        return self.memory.quality_settings()

    def lot(self, lot_id: str) -> LotRef | None:
        lot = self.memory.lot(lot_id)
        return self._effective(lot) if lot is not None else None

    def lots_of_part(self, part: str) -> list[LotRef]:
        return [self._effective(lot) for lot in self.memory.lots_of_part(part)]

    def open_holds(self, target_type: str, target: str) -> list[HoldRef]:
        return self.memory.open_holds(target_type, target)

    def defect_code(self, code: str) -> DefectCodeRef | None:
        return self.memory.defect_code(code)

    def defect_codes(self) -> list[DefectCodeRef]:
        return self.memory.defect_codes()
