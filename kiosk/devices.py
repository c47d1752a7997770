"""The station's devices at the kiosk: built from the plant file, wired to the service.

``StationHardware`` owns the adapters ``hardware.factory.build_devices`` makes
for this station (the feed's ``station.devices``, or ``KioskConfig.devices_override``)
and connects them to the ``StationService``:

- scans from serial / evdev scanners -> ``handle_entry(code, source="scanner")``;
  the keyboard wedge is fed by the app's key handling (``KioskApp.on_event``);
- gauge readings -> ``handle_entry(Reading(value, unit, "gauge", device))``: a unit
  that is not the prompted characteristic's is refused by the flow, never converted;
- PLC ``MachineStateChanged`` / ``PartsCounted`` -> events through
  ``service.record_device_event`` (parts are summed over ``parts_interval_s``);
  ``ProcessValue`` with a characteristic -> a measurement with source "plc": through
  the flow when that characteristic is the one prompted (verdict, reaction plan,
  line stop), else recorded directly when it belongs to the running job, else dropped;
- actions: ``PrintTraveler`` / ``PrintHoldTag`` -> the print queue (on disk first,
  retried until printed), ``StopLine`` -> ``poller.stop_line()`` until the PLC took
  it, ``SetAndon`` -> ``poller.set_andon(colour)``.

Every device runs in its own asyncio task; what it reports comes back through
``deliver`` (the app's ``call_later``), so the UI handles it between keys and
nothing here blocks or raises into the UI. A bad device entry is reported on the
status bar and left out; the rest of the station's devices still run.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import Any, Literal

from core import events as ev
from core.flow import EnterMeasurement, OperatorMessage, Reading
from core.flow.actions import PrintHoldTag, PrintTraveler, SetAndon, StopLine
from core.verdict import verdict
from hardware.config import DeviceConfig, DeviceConfigError, parse_device, parse_devices
from hardware.factory import GaugeDevice, StationDevices, build_devices
from hardware.gauges.reading import GaugeReading, normalize_unit
from hardware.plc.base import MachineStateChanged, PartsCounted, PlcEvent, ProcessValue
from hardware.plc.poller import PlcPoller
from hardware.printers.queue import PrintQueue
from hardware.printers.tickets import HoldTag, Operation, Ticket, Traveler
from hardware.scanners.base import Scan
from hardware.scanners.wedge import WedgeScanner
from hardware.status import DeviceState, DeviceStatus
from kiosk.config import KioskConfig
from kiosk.service import DeviceLine, EntryOutcome, StationService

log = logging.getLogger(__name__)

MachineState = Literal["running", "idle", "down", "setup", "unknown"]

#: PLC state names (``points.state.codes``) -> the event's vocabulary.
MACHINE_STATES: dict[str, MachineState] = {
    "running": "running", "run": "running", "auto": "running", "producing": "running",
    "idle": "idle", "stopped": "idle", "stop": "idle", "blocked": "idle",
    "starved": "idle", "waiting": "idle", "paused": "idle", "ready": "idle",
    "down": "down", "fault": "down", "alarm": "down", "error": "down",
    "estop": "down", "e-stop": "down", "breakdown": "down", "maintenance": "down",
    "setup": "setup", "changeover": "setup", "set-up": "setup",
}  # fmt: skip

# Device messages -> the few words that fit the status bar (first match wins).
_SHORT: tuple[tuple[str, str], ...] = (
    ("paper", "out of paper"),
    ("switch the gauge to", "wrong unit"),
    ("vanished mid-frame", "unplugged mid-reading"),
    ("vanished", "unplugged"),
    ("hung up", "unplugged"),
    ("cannot open", "not plugged in"),
    ("no response", "timeout"),
    ("timed out", "timeout"),
    ("timeout", "timeout"),
    ("exception response", "exception reply"),
    ("unreadable frame", "unreadable reading"),
    ("not installed", "driver missing"),
    ("missing library", "driver missing"),
    ("no stop_coil", "no stop coil"),
    ("andon", "andon colour unknown"),
    ("write failed", "write failed, retrying"),
    ("printer offline", "offline"),
)


def machine_state(name: str | None) -> MachineState | None:
    """The event's state for a PLC state name ("fault" -> "down"); None stays None."""
    if name is None:
        return None
    return MACHINE_STATES.get(name.strip().lower(), "unknown")


def short_problem(status: DeviceStatus) -> str:
    """A device's trouble in a few words for the status bar ("timeout", "offline")."""
    message = status.message.lower()
    for needle, words in _SHORT:
        if needle in message:
            return words
    return "offline" if status.state == DeviceState.DISCONNECTED else "error"


def pending_tickets(queue: PrintQueue) -> int:
    """Tickets waiting in a print queue (files in ``pending/``; cheap enough for every tick)."""
    return sum(1 for _ in (Path(queue.directory) / "pending").glob("*.job"))


def device_line(status: DeviceStatus, queued: int = 0) -> DeviceLine | None:
    """The status-bar line for one device, or None when there is nothing to say."""
    quiet = status.state == DeviceState.CONNECTED or status.message in ("not started", "stopped")
    if quiet and not queued:
        return None
    parts = [] if status.state == DeviceState.CONNECTED else [short_problem(status)]
    if queued:
        parts.append(f"{queued} queued")
    level: Literal["warn", "error"] = "error" if status.state == DeviceState.ERROR else "warn"
    return DeviceLine(f"{status.name}: {', '.join(parts)}", level)


def traveler_ticket(
    action: PrintTraveler, operator: str = "", tz: tzinfo | None = None
) -> Traveler:
    """The printed traveler for a ``PrintTraveler`` action.

    At completion the lot travels on: the next operation is marked current.
    """
    operations = tuple(Operation(str(seq), name) for seq, name in action.operations)
    current = str(action.current_operation)
    if action.moment == "complete":
        seqs = [op.seq for op in operations]
        if current in seqs and seqs.index(current) + 1 < len(seqs):
            current = seqs[seqs.index(current) + 1]
    quantity = action.good_qty if action.good_qty is not None else action.qty
    return Traveler(
        work_order=action.work_order,
        product=action.product,
        lot_id=action.output_lot,
        quantity=quantity,
        operations=operations,
        current_op=current,
        operator=operator or action.operator,
        printed_at=action.at.astimezone(tz),
        product_name=action.product_description,
        held=action.held,
    )


def hold_tag_ticket(
    action: PrintHoldTag,
    held_by: str = "",
    tz: tzinfo | None = None,
    product: str = "",
    quantity: float | None = None,
) -> HoldTag:
    return HoldTag(
        lot_id=action.lot,
        reason=action.reason,
        ncr=action.ncr or "to be opened",
        held_by=held_by or action.placed_by,
        held_at=action.at.astimezone(tz),
        product=product,
        quantity=quantity,
    )


def parse_station_devices(
    raw: Sequence[Mapping[str, Any]],
) -> tuple[list[DeviceConfig], list[DeviceConfigError]]:
    """The device entries that are valid, and an error for each one that is not.

    Unlike ``parse_devices`` one bad entry does not lose the others: the kiosk
    runs with what it can use and says what it left out.
    """
    good: list[Mapping[str, Any]] = []
    errors: list[DeviceConfigError] = []
    for index, entry in enumerate(raw):
        try:
            parse_device(index, entry)
        except DeviceConfigError as exc:
            errors.append(exc)
        else:
            good.append(entry)
    while True:
        try:
            return parse_devices(good), errors
        except DeviceConfigError as exc:  # a duplicate name: keep the first
            errors.append(exc)
            del good[exc.index]


class StationHardware:
    """The station's devices, started on the app's loop and routed to the service."""

    def __init__(
        self,
        service: StationService,
        config: KioskConfig,
        *,
        deliver: Callable[[Callable[[], None]], object] | None = None,
        on_outcome: Callable[[EntryOutcome], None] | None = None,
        on_change: Callable[[], None] | None = None,
        parts_interval_s: float = 5.0,
    ) -> None:
        self.service = service
        self.config = config
        self._deliver_to_ui = deliver
        self._on_outcome = on_outcome
        self._on_change = on_change
        #: Parts counted are summed and recorded at most this often (and before a state change).
        self.parts_interval_s = parts_interval_s
        self.devices = StationDevices()
        self.config_errors: list[DeviceConfigError] = []
        self._raw: list[dict[str, Any]] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._consumers: list[asyncio.Task[Any]] = []
        self._started = False
        self._stopping_line: set[str] = set()
        self._parts_delta = 0
        self._parts_total = 0
        self._parts_flushed_at = -math.inf
        self._parts_timer: asyncio.TimerHandle | None = None
        service.on_action(PrintTraveler, self._print_traveler)
        service.on_action(PrintHoldTag, self._print_hold_tag)
        service.on_action(StopLine, self._stop_line)
        service.on_action(SetAndon, self._set_andon)
        service.subscribe(self._service_changed)

    # --- life cycle ------------------------------------------------------------------

    def start(self) -> None:
        """Build and start the station's devices (call on the running loop); returns at once."""
        self._started = True
        self._reconfigure(self._wanted())

    async def stop(self) -> None:
        self._started = False
        self._flush_parts()
        await self._teardown()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _wanted(self) -> list[dict[str, Any]]:
        if self.config.devices_override is not None:
            return [dict(d) for d in self.config.devices_override]
        station = self.service.cache.station()
        return [dict(d) for d in station.devices] if station is not None else []

    def _service_changed(self, what: str) -> None:
        # The plant file may give the station other devices: rebuild them when the feed says so.
        if what == "reference" and self._started and self.config.devices_override is None:
            wanted = self._wanted()
            if wanted != self._raw:
                self._reconfigure(wanted)

    def _reconfigure(self, raw: list[dict[str, Any]]) -> None:
        self._raw = raw
        self._spawn(self._rebuild(raw))

    async def _rebuild(self, raw: list[dict[str, Any]]) -> None:
        await self._teardown()
        if not self._started or raw != self._raw:
            return  # stopped, or another change came in meanwhile
        configs, self.config_errors = parse_station_devices(raw)
        for error in self.config_errors:
            log.error("device left out: %s", error)
        self.devices = build_devices(
            configs,
            queue_dir=self.config.print_queue_dir,
            on_status=self._status_changed,
            fake=self.config.fake_devices,
        )
        self.devices.start()
        loop = asyncio.get_running_loop()
        for scanner in self.devices.scanners:
            if not isinstance(scanner, WedgeScanner):  # the app feeds and reads the wedge itself
                self._consumers.append(
                    loop.create_task(self._consume(scanner.scans, self._scanned))
                )
        for gauge in self.devices.gauges:
            handler = self._reading_handler(gauge.name)
            self._consumers.append(loop.create_task(self._consume(gauge.readings, handler)))
        for poller in self.devices.plcs:
            self._consumers.append(loop.create_task(self._consume(poller.events, self._plc_event)))
        names = ", ".join(d.name for d in self.devices.all()) or "none"
        log.info("station %s devices: %s", self.config.station_id, names)
        self._changed()

    async def _teardown(self) -> None:
        consumers, self._consumers = self._consumers, []
        for task in consumers:
            task.cancel()
        await asyncio.gather(*consumers, return_exceptions=True)
        devices, self.devices = self.devices, StationDevices()
        await devices.stop()

    async def _consume(self, feed: Any, handle: Callable[[Any], None]) -> None:
        async for item in feed:
            self._deliver(functools.partial(handle, item))

    # --- what the UI asks ------------------------------------------------------------

    @property
    def wedge(self) -> WedgeScanner | None:
        return self.devices.wedge

    def printer(self, kind: str | None = None) -> PrintQueue | None:
        """The first print queue that takes tickets of ``kind`` (any ticket: the first)."""
        for queue in self.devices.printers:
            if kind is None or kind in queue.prints:
                return queue
        return None

    def statuses(self) -> list[DeviceStatus]:
        return self.devices.statuses()

    def alerts(self) -> tuple[DeviceLine, ...]:
        """Device problems for the status bar, errors first."""
        lines: list[DeviceLine] = []
        if self.config_errors:
            count = len(self.config_errors)
            lines.append(
                DeviceLine(f"{count} device{'s' if count > 1 else ''} misconfigured", "error")
            )
        for name in sorted(self._stopping_line):
            lines.append(DeviceLine(f"{name}: LINE STOP not sent yet", "error"))
        for device in self.devices.all():
            if isinstance(device, WedgeScanner):
                continue
            queued = pending_tickets(device) if isinstance(device, PrintQueue) else 0
            line = device_line(device.status, queued)
            if line is not None:
                lines.append(line)
        return tuple(sorted(lines, key=lambda line: line.level != "error"))

    def report(self) -> OperatorMessage:
        """Every device in one message (F6): state, trouble, tickets waiting."""
        if not self.devices.all() and not self.config_errors:
            return OperatorMessage.info("No devices are configured at this station.")
        parts = [f"config: {e}" for e in self.config_errors]
        for device in self.devices.all():
            status = device.status
            text = "ok" if status.state == DeviceState.CONNECTED else short_problem(status)
            if isinstance(device, PrintQueue):
                waiting = device.pending()
                if waiting:
                    labels = ", ".join(job.label or job.id for job in waiting[:3])
                    more = f" +{len(waiting) - 3}" if len(waiting) > 3 else ""
                    text += f", {len(waiting)} waiting ({labels}{more}); F5 tries again"
            parts.append(f"{device.name} {text}")
        text = "Devices: " + " · ".join(parts)
        return OperatorMessage.warn(text) if self.alerts() else OperatorMessage.info(text)

    def reprint(self) -> OperatorMessage:
        """F5: retry waiting tickets now, or (nothing waiting) print the last ticket again."""
        queues = self.devices.printers
        if not queues:
            return OperatorMessage.warn("No printer is configured at this station.")
        stuck = [(q, n) for q in queues if (n := pending_tickets(q))]
        if stuck:
            for queue, _ in stuck:
                queue.retry_now()
            waiting = sum(n for _, n in stuck)
            names = " and ".join(q.name for q, _ in stuck)
            plural = "s" if waiting > 1 else ""
            return OperatorMessage.info(
                f"Trying {names} again: {waiting} ticket{plural} waiting. "
                "Nothing is lost: they print when the printer is back."
            )
        last = [(printed[0], q) for q in queues if (printed := q.printed(1))]
        if not last:
            return OperatorMessage.warn("Nothing has been printed here yet.")
        job, queue = max(last, key=lambda pair: pair[0].created)  # the newest, wherever it was
        self._spawn(queue.reprint(last=1))
        where = f" on {queue.name}" if len(queues) > 1 else ""
        return OperatorMessage.info(f"Printing {job.label or 'the last ticket'} again{where}.")

    def read_gauges(self) -> OperatorMessage:
        """F4: ask the gauges that read on request (``trigger = "poll"``) for a reading now;
        the answer measures the prompted characteristic like a pushed reading."""
        askable = [g for g in self.devices.gauges if g.trigger == "poll"]
        if not askable:
            if self.devices.gauges:
                names = ", ".join(g.name for g in self.devices.gauges)
                return OperatorMessage.warn(
                    f"{names} sends its readings itself: press its data button (or the foot "
                    "switch), or type the value."
                )
            return OperatorMessage.warn("No gauge is configured at this station: type the value.")
        state = self.service.state
        prompt = state.prompt
        if not isinstance(prompt, EnterMeasurement):
            return OperatorMessage.warn(
                f"Nothing is to be measured now. {prompt.describe(state).detail}"
            )
        for gauge in askable:
            self._spawn(self._ask(gauge))
        names = ", ".join(g.name for g in askable)
        return OperatorMessage.info(f"Reading {prompt.characteristic} from {names}…")

    async def _ask(self, gauge: GaugeDevice) -> None:
        if await gauge.request() is None:  # the reading itself arrives through gauge.readings
            message = OperatorMessage.warn(
                f"{gauge.name} did not answer: check it is switched on and plugged in, then "
                "F4 again (or type the value)."
            )
            # after the status change it caused, which says less
            self._deliver(lambda: self.tell(message))

    def tell(self, message: OperatorMessage) -> None:
        """Show ``message`` until the next entry."""
        self.service.notice = message
        self._changed()

    # --- devices -> service ----------------------------------------------------------

    def _scanned(self, scan: Scan) -> None:
        self._outcome(self.service.handle_entry(scan.code, source="scanner"))

    def _reading_handler(self, device: str) -> Callable[[GaugeReading], None]:
        return lambda reading: self._gauge_reading(device, reading)

    def _gauge_reading(self, device: str, reading: GaugeReading) -> None:
        if not reading.ok:
            what = "over its range" if reading.status == "overrange" else "an error"
            self.tell(OperatorMessage.warn(f"{device} sent {what}: measure again."))
            return
        self._outcome(
            self.service.handle_entry(self._reading(reading.value, reading.unit, "gauge", device))
        )

    def _reading(
        self, value: float, unit: str, source: Literal["gauge", "plc"], device: str
    ) -> Reading:
        """A Reading in the prompted characteristic's spelling of its unit when it is the same
        unit ("µm" for "um"); another unit is passed on as it came, for the flow to refuse."""
        state = self.service.state
        prompt = state.prompt
        if isinstance(prompt, EnterMeasurement) and state.job is not None:
            plan = state.job.characteristic(prompt.characteristic)
            if plan is not None and plan.unit and normalize_unit(unit) == normalize_unit(plan.unit):
                unit = plan.unit
        return Reading(value, unit, source=source, device=device)

    def _plc_event(self, event: PlcEvent) -> None:
        if isinstance(event, PartsCounted):
            self._count_parts(event)
        elif isinstance(event, MachineStateChanged):
            self._flush_parts()  # parts made before the change belong before it
            state = machine_state(event.state) or "unknown"
            self.service.record_device_event(
                ev.MachineStateChanged(
                    state=state,
                    previous_state=machine_state(event.previous_state),
                    reason_code=event.reason_code,
                    duration_s=round(event.duration_s, 3) if event.previous_state else None,
                )
            )
        elif isinstance(event, ProcessValue):
            self._process_value(event)

    def _count_parts(self, event: PartsCounted) -> None:
        self._parts_delta += event.delta
        self._parts_total += event.delta
        now = time.monotonic()
        due = self._parts_flushed_at + self.parts_interval_s
        if now >= due:
            self._flush_parts()
        elif self._parts_timer is None:
            loop = asyncio.get_running_loop()
            self._parts_timer = loop.call_later(due - now, lambda: self._deliver(self._flush_parts))

    def _flush_parts(self) -> None:
        if self._parts_timer is not None:
            self._parts_timer.cancel()
            self._parts_timer = None
        if not self._parts_delta:
            return
        job = self.service.state.job
        self.service.record_device_event(
            ev.PartsCounted(
                job_id=job.job_id if job else None, delta=self._parts_delta, total=self._parts_total
            )
        )
        self._parts_delta = 0
        self._parts_flushed_at = time.monotonic()

    def _process_value(self, value: ProcessValue) -> None:
        if value.characteristic is None:
            return  # a process value with no characteristic is not a measurement
        state = self.service.state
        job = state.job
        plan = job.characteristic(value.characteristic) if job is not None else None
        if job is None or plan is None:
            log.debug(
                "%s %s=%g: no running job measures it here", value.plc, value.name, value.value
            )
            return
        prompt = state.prompt
        if isinstance(prompt, EnterMeasurement) and prompt.characteristic == plan.id:
            reading = self._reading(value.value, value.unit, "plc", value.plc)
            self._outcome(self.service.handle_entry(reading))
            return
        if plan.unit and normalize_unit(value.unit) != normalize_unit(plan.unit):
            self.tell(
                OperatorMessage.warn(
                    f"{value.plc} sends {value.name} in {value.unit}; {plan.id} is measured in "
                    f"{plan.unit}: not recorded (readings are never converted)."
                )
            )
            return
        # Not prompted now: process data for SPC, recorded as it comes (the server
        # judges it too); it does not count toward what the operator must measure.
        self.service.record_device_event(
            ev.MeasurementRecorded(
                job_id=job.job_id,
                characteristic=plan.id,
                value=value.value,
                unit=plan.unit,
                unit_serial=job.unit_serial,
                source="plc",
                device=value.plc or None,
                verdict=verdict(value.value, plan.spec()),
            )
        )

    # --- actions -> devices ----------------------------------------------------------

    def _zone(self) -> tzinfo | None:
        """Tickets show the plant's clock (the terminal's own zone only when none is known)."""
        return self.config.display_tz or self.service.cache.plant_zone()

    def _operator_name(self, badge: str) -> str:
        found = self.service.cache.operator(badge) if badge else None
        return found.name if found is not None else badge

    def _print_traveler(self, action: Any) -> None:
        assert isinstance(action, PrintTraveler)
        ticket = traveler_ticket(action, self._operator_name(action.operator), self._zone())
        self._print(ticket, "traveler")

    def _print_hold_tag(self, action: Any) -> None:
        assert isinstance(action, PrintHoldTag)
        lot = self.service.cache.lot(action.lot)
        ticket = hold_tag_ticket(
            action,
            self._operator_name(action.placed_by),
            self._zone(),
            product=lot.part if lot else "",
            quantity=lot.qty if lot else None,
        )
        self._print(ticket, "hold_tag")

    def _print(self, ticket: Ticket, kind: str) -> None:
        queue = self.printer(kind)
        if queue is None:
            level = logging.WARNING if self.devices.printers else logging.INFO
            log.log(level, "no printer at %s takes %s tickets: %s not printed",
                    self.config.station_id, kind, type(ticket).__name__)  # fmt: skip
            return
        self._spawn(self._submit(queue, ticket))

    async def _submit(self, queue: PrintQueue, ticket: Ticket) -> None:
        job = await queue.print_ticket(ticket)  # on disk when this returns
        log.info("queued %s on %s", job.label, queue.name)
        self._deliver(self._changed)

    def _stop_line(self, action: Any) -> None:
        assert isinstance(action, StopLine)
        pollers = [p for p in self.devices.plcs if p.points.stop_coil is not None]
        if not pollers:
            log.error("line stop requested (%s) but no PLC stop coil is configured", action.reason)
            self._deliver(
                lambda: self.tell(
                    OperatorMessage.error(
                        f"STOP THE LINE BY HAND: {action.reason}. "
                        "This station has no PLC to stop it. Call your supervisor."
                    )
                )
            )
            return
        for poller in pollers:
            self._spawn(self._keep_stopping(poller, action.reason))

    async def _keep_stopping(self, poller: PlcPoller, reason: str) -> None:
        """Set the stop coil; until the PLC has taken it, the status bar says so."""
        self._stopping_line.add(poller.name)
        self._deliver(self._changed)
        delay = 0.1
        try:
            while not await poller.stop_line():
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            log.warning("line stopped through %s: %s", poller.name, reason)
        finally:
            self._stopping_line.discard(poller.name)
            self._deliver(self._changed)

    def _set_andon(self, action: Any) -> None:
        assert isinstance(action, SetAndon)
        for poller in self.devices.plcs:
            if poller.points.andon:
                self._spawn(poller.set_andon(action.colour))

    # --- plumbing --------------------------------------------------------------------

    def _status_changed(self, status: DeviceStatus) -> None:
        if status.kind == "gauge" and status.state == DeviceState.ERROR:
            # a refused frame (wrong unit, unreadable) is the operator's business right now
            self._deliver(
                lambda: self.tell(OperatorMessage.warn(f"{status.name}: {status.message}"))
            )
            return
        self._deliver(self._changed)

    def _outcome(self, outcome: EntryOutcome) -> None:
        if self._on_outcome is not None:
            self._on_outcome(outcome)

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()

    def _deliver(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the UI's turn (or now, without a UI); a failure is logged, never raised."""

        def safely() -> None:
            try:
                fn()
            except Exception:
                log.exception("device event handling failed")

        if self._deliver_to_ui is None:
            safely()
        else:
            self._deliver_to_ui(safely)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(coro)
        except RuntimeError:  # no loop (a handler called outside the app): nothing to run on
            coro.close()
            log.error("no event loop: device call dropped")
            return
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("device task failed", exc_info=task.exception())
