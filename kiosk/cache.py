"""The station's reference cache: the change feed, kept on disk, served from memory.

Every feed page is written to SQLite (with its cursor) and merged into a
``MemoryReference`` the flow reads from. The station's own consumption is
laid over the cached lots until the server's feed reflects it, so a lot
consumed offline shows what is really left.

SPC lives here too: the frozen limits of the characteristics routed to the
station (latest version each), its signals (by id), and the last points of
each chart. Points come from the server's answer to each measurement and,
until it answers (or while offline), are charted here from the cached limits
and the station's own values (``core.flow.spc.plot_here``).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import TypeAdapter, ValidationError

from core import events as ev
from core.barcodes import BarcodeGrammar
from core.events.spc import SpcLimitsRef, SpcSignalRef
from core.flow.memory import MemoryReference
from core.flow.spc import (
    CHART_POINTS,
    ChartPoint,
    ChartView,
    chart_view,
    plot_here,
    point_from_outcome,
)
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

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ref (kind TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL,
                                PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS spc_chart (characteristic TEXT PRIMARY KEY, body TEXT NOT NULL);
"""

# feed field -> (kind stored, key attribute, model)
_KINDS: dict[str, tuple[str, str, type[Any]]] = {
    "routings": ("routing", "product", RoutingRef),
    "work_orders": ("work_order", "number", WorkOrderRef),
    "lots": ("lot", "id", LotRef),
    "holds": ("hold", "id", HoldRef),
    "operators": ("operator", "badge", OperatorRef),
    "defect_codes": ("defect_code", "code", DefectCodeRef),
    "spc_signals": ("spc_signal", "id", SpcSignalRef),
    "spc_limits": ("spc_limits", "characteristic", SpcLimitsRef),  # the latest change wins
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
        self.spc = StationSpc(station_id)
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
            charts = self._db.execute("SELECT characteristic, body FROM spc_chart").fetchall()
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
        if "production" in meta:
            feed["production"] = json.loads(meta["production"])
        if "timezone" in meta:
            feed["timezone"] = meta["timezone"]
        page = Feed.model_validate(feed)
        self.memory.apply_feed(page)
        self.spc.apply_feed(page)
        self.spc.load_charts(charts)
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
                if page.production:
                    meta["production"] = json.dumps(page.production)
                if page.timezone:
                    meta["timezone"] = page.timezone
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
        self.spc.apply_feed(page)
        self.cursor = page.cursor

    def apply_page(self, page: Feed) -> None:
        self.persist(page)
        self.merge(page)

    # --- the station's own changes ---------------------------------------------------

    def note_consumed(self, event_id: str, lot: str, qty: float) -> None:
        """The station consumed ``qty`` of ``lot``: count it until the server answers."""
        self._consumed[event_id] = (lot, qty)

    def note_recorded(self, event: ev.Event, work_order: str | None = None) -> None:
        """The station recorded ``event`` (in the running job of ``work_order``).

        A measurement joins its characteristic's chart here at once; an
        acknowledgement takes its signal off the open list until the server answers.
        """
        try:
            changed = self.spc.recorded(event, work_order)
            if changed:
                self._save_chart(changed)
        except Exception:  # the event is recorded; a chart problem must not undo or stop that
            log.exception("SPC chart update failed for %s", event.id)

    def note_acknowledging(self, event_id: str, signal_id: str) -> None:
        """An acknowledgement of ``signal_id`` waits in the outbox (e.g. after a restart)."""
        self.spc.acknowledging[event_id] = signal_id

    def note_answered(self, event_id: str, applied: bool, outcome: dict[str, Any] | None) -> None:
        """The server answered an event: its SPC point, or what is left in a consumed lot."""
        try:
            changed = self.spc.answered(event_id, applied, outcome)
            if changed:
                self._save_chart(changed)
        except Exception:
            log.exception("SPC answer not taken for %s", event_id)
        if self._consumed.pop(event_id, None) is None or not applied or not outcome:
            return
        lot = self.memory.lot(str(outcome.get("lot")))
        remaining = outcome.get("remaining")
        if lot is not None and isinstance(remaining, int | float):
            status = str(outcome.get("lot_status") or lot.status)
            self.memory.put_lot(lot.model_copy(update={"qty": float(remaining), "status": status}))

    def consumed_locally(self, lot_id: str) -> float:
        return sum(qty for lot, qty in self._consumed.values() if lot == lot_id)

    def _save_chart(self, characteristic: str) -> None:
        body = self.spc.chart_json(characteristic)
        with self._lock:
            self._db.execute(
                "INSERT INTO spc_chart (characteristic, body) VALUES (?, ?) "
                "ON CONFLICT(characteristic) DO UPDATE SET body = excluded.body",
                (characteristic, body),
            )

    # --- SPC -------------------------------------------------------------------------

    def spc_limits(self, characteristic: str) -> SpcLimitsRef | None:
        """The active frozen limits of ``characteristic``, or None (not charted)."""
        return self.spc.active_limits(characteristic)

    def spc_signal(self, signal_id: str) -> SpcSignalRef | None:
        return self.spc.signals.get(signal_id)

    def open_spc_signals(self) -> list[SpcSignalRef]:
        """This station's unacknowledged signals, oldest first (``core.flow.spc.SpcSignals``)."""
        return self.spc.open_signals()

    def spc_chart(self, characteristic: str, work_order: str | None = None) -> ChartView | None:
        """What to draw for ``characteristic``: limits, the last points, the open subgroup."""
        return self.spc.view(characteristic, work_order)

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

    def production_settings(self) -> dict[str, float]:
        return self.memory.production_settings()

    def plant_zone(self) -> tzinfo | None:
        """The plant's time zone from the feed (None until a feed named one, or unknown here)."""
        name = self.memory.timezone()
        if not name:
            return None
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return None

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


# --- SPC at the station --------------------------------------------------------------------

_POINTS = TypeAdapter(list[ChartPoint])
_OPEN_WORK_ORDERS = 5  # partial subgroups kept per chart (a closed order's never fills)


def _utc_seconds(at: datetime | None) -> float:
    if at is None:
        return 0.0
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()  # SQLite drops the zone


class _Chart:
    """One characteristic's chart here: the last points, the open subgroup per work order."""

    __slots__ = ("points", "pending")

    def __init__(
        self,
        points: list[ChartPoint] | None = None,
        pending: dict[str, list[tuple[str, float]]] | None = None,
    ) -> None:
        self.points: list[ChartPoint] = points or []
        self.pending: dict[str, list[tuple[str, float]]] = pending or {}  # wo -> (event id, value)

    def put(self, point: ChartPoint) -> None:
        """Add a point, or replace the one the same measurement completed; keep the last few."""
        kept = [p for p in self.points if p.event_id != point.event_id or not point.event_id]
        if not point.local:
            kept = [p for p in kept if p.local or p.index != point.index]
        kept.append(point)
        kept.sort(key=lambda p: p.index)
        self.points = kept[-CHART_POINTS:]


class StationSpc:
    """SPC as the station knows it; the flow thread calls it, ``StationCache`` stores it."""

    def __init__(self, station_id: str) -> None:
        self.station_id = station_id
        self.limits: dict[str, SpcLimitsRef] = {}
        self.signals: dict[str, SpcSignalRef] = {}
        self.charts: dict[str, _Chart] = {}
        self.acknowledging: dict[str, str] = {}  # acknowledgement event id -> signal id

    # --- reference data from the feed ---------------------------------------------

    def apply_feed(self, page: Feed) -> None:
        if page.full:
            self.limits.clear()
            self.signals.clear()
        for ref in page.spc_limits:
            self.limits[ref.characteristic] = ref
        for signal in page.spc_signals:
            if signal.station_id != self.station_id:
                continue
            old = self.signals.get(signal.id)
            if old is not None and old.acknowledged_at and signal.acknowledged_at is None:
                # acknowledged here and answered; an acknowledgement is never undone
                kept = ("acknowledged_by", "acknowledged_at", "note")
                signal = signal.model_copy(update={k: getattr(old, k) for k in kept})
            self.signals[signal.id] = signal

    def active_limits(self, characteristic: str) -> SpcLimitsRef | None:
        ref = self.limits.get(characteristic)
        return ref if ref is not None and ref.active else None

    def open_signals(self) -> list[SpcSignalRef]:
        pending = set(self.acknowledging.values())
        found = [
            s
            for s in self.signals.values()
            if s.acknowledged_at is None and s.id not in pending and s.station_id == self.station_id
        ]
        return sorted(found, key=lambda s: (_utc_seconds(s.at), s.point, s.id))

    # --- the station's own events --------------------------------------------------

    def recorded(self, event: ev.Event, work_order: str | None) -> str | None:
        """Take a recorded event; returns the characteristic whose chart changed."""
        payload = event.payload
        if event.type == "SpcSignalAcknowledged":
            self.acknowledging[str(event.id)] = str(payload.get("signal_id"))
            return None
        if event.type != "MeasurementRecorded":
            return None
        characteristic = str(payload.get("characteristic"))
        ref = self.active_limits(characteristic)
        if ref is None:
            return None  # not charted (the server will say so too)
        chart = self.charts.setdefault(characteristic, _Chart())
        wo = work_order or ""
        waiting = [*chart.pending.pop(wo, []), (str(event.id), float(payload["value"]))]
        if len(waiting) < (ref.subgroup_size or 1):
            chart.pending[wo] = waiting
            while len(chart.pending) > _OPEN_WORK_ORDERS:
                chart.pending.pop(next(iter(chart.pending)))
            return characteristic
        point = plot_here(
            ref,
            chart.points,
            [v for _, v in waiting],
            work_order=wo,
            event_id=str(event.id),
        )
        if point is not None:
            chart.put(point)
        return characteristic

    def answered(self, event_id: str, applied: bool, outcome: dict[str, Any] | None) -> str | None:
        """The server's answer: its point replaces the one charted here; a signal shows at once."""
        signal_id = self.acknowledging.pop(event_id, None)
        if signal_id is not None:
            signal = self.signals.get(signal_id)
            if applied and signal is not None:
                self.signals[signal_id] = signal.model_copy(
                    update={
                        "acknowledged_by": (outcome or {}).get("acknowledged_by"),
                        "acknowledged_at": datetime.now(UTC),
                    }
                )
            return None
        spc = (outcome or {}).get("spc")
        if not applied or not isinstance(spc, dict):
            return None
        characteristic = str((outcome or {}).get("characteristic") or "")
        if not characteristic:
            return None
        chart = self.charts.setdefault(characteristic, _Chart())
        point = point_from_outcome(spc, event_id)
        if point is None:
            # collecting (or off): a point charted here with this measurement was premature
            chart.points = [p for p in chart.points if not (p.local and p.event_id == event_id)]
            return characteristic
        for wo, waiting in list(chart.pending.items()):
            ids = [i for i, _ in waiting]
            if event_id in ids:  # the server's subgroup took these values
                rest = waiting[ids.index(event_id) + 1 :]
                if rest:
                    chart.pending[wo] = rest
                else:
                    del chart.pending[wo]
        chart.put(point)
        self._signal_from_outcome(characteristic, spc)
        return characteristic

    def _signal_from_outcome(self, characteristic: str, spc: dict[str, Any]) -> None:
        signal = spc.get("signal")
        if not isinstance(signal, dict) or signal.get("continues") or not signal.get("id"):
            return
        if str(signal["id"]) in self.signals:
            return  # the feed was first (it carries more)
        point = spc.get("point") or {}
        try:
            ref = SpcSignalRef(
                id=str(signal["id"]),
                characteristic=characteristic,
                station_id=str(spc.get("station") or self.station_id),
                point=int(point.get("index", 0)),
                rules=[str(r) for r in signal.get("rules", ())],
                message=str(signal.get("message") or ""),
                limits_version=int(spc.get("limits_version") or 1),
                suspect_from=int(signal.get("suspect_from") or 0),
                lots=[str(x) for x in signal.get("lots") or ()],
                downstream=[str(x) for x in signal.get("downstream") or ()],
                ncr=signal.get("ncr"),
                at=datetime.now(UTC),
            )
        except (TypeError, ValueError, ValidationError):
            return
        if ref.station_id == self.station_id:
            self.signals[ref.id] = ref

    # --- what the screen draws ----------------------------------------------------

    def view(self, characteristic: str, work_order: str | None) -> ChartView | None:
        chart = self.charts.get(characteristic)
        points = chart.points if chart is not None else []
        pending = len(chart.pending.get(work_order or "", ())) if chart is not None else 0
        return chart_view(characteristic, self.limits.get(characteristic), points, pending)

    # --- storage ------------------------------------------------------------------

    def chart_json(self, characteristic: str) -> str:
        chart = self.charts.get(characteristic) or _Chart()
        return json.dumps(
            {
                "points": _POINTS.dump_python(chart.points, mode="json"),
                "pending": {wo: [list(w) for w in wait] for wo, wait in chart.pending.items()},
            }
        )

    def load_charts(self, rows: list[tuple[str, str]]) -> None:
        for characteristic, body in rows:
            try:
                data = json.loads(body)
                points = _POINTS.validate_python(data.get("points", []))
                pending = {
                    str(wo): [(str(i), float(v)) for i, v in waiting]
                    for wo, waiting in dict(data.get("pending", {})).items()
                }
            except (ValueError, TypeError, ValidationError):
                continue  # written by another version: the chart starts again
            self.charts[characteristic] = _Chart(points, pending)
