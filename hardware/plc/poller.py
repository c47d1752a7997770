"""Poll a PLC and turn register values into typed events.

The functional core is :func:`step`: the previous :class:`PollState` and a
:class:`Snapshot` of the registers in, the new state and the events out --
tested with plain values. :class:`PlcPoller` is the shell: it reads the
snapshot at ``poll_hz``, emits the events, carries out ``stop_line()`` and
``set_andon()``, and on any failure reports the status, closes, and
reconnects with backoff. Nothing raises into the caller.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from hardware.backoff import Backoff
from hardware.config import AnalogPoint, PlcPoints
from hardware.feed import Feed
from hardware.plc.base import (
    MachineStateChanged,
    PartsCounted,
    Plc,
    PlcError,
    PlcEvent,
    ProcessValue,
    Table,
)
from hardware.plc.codec import REGISTERS, WordOrder, decode_value
from hardware.runner import DeviceFault, DeviceUnavailable, ReconnectingDevice
from hardware.status import StatusCallback

log = logging.getLogger(__name__)

# --- functional core --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Decoded point values from one poll; None where a point is not configured."""

    counter: int | None = None
    state_code: int | None = None
    reason_code: int | None = None
    analog: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PollState:
    counter: int | None = None
    total: int = 0
    state_code: int | None = None
    reason_code: int | None = None
    state_since: float = 0.0
    #: analog point name -> (last reported value, when)
    reported: Mapping[str, tuple[float, float]] = field(default_factory=dict)


def counter_delta(previous: int, current: int, bits: int) -> int:
    """Parts made between two counter readings, across a wrap or a reset.

    A drop of more than half the range is a wrap (65535 -> 3 is 4 parts on a
    16-bit counter); a smaller drop is a reset to zero (1234 -> 3 is 3 parts).
    """
    if current >= previous:
        return current - previous
    modulus = 1 << bits
    if previous - current > modulus // 2:
        return current + modulus - previous
    return current


def state_name(code: int, codes: Mapping[int, str]) -> str:
    return codes.get(code, f"unknown({code})")


def step(
    state: PollState,
    snapshot: Snapshot,
    now: float,
    points: PlcPoints,
    plc: str = "",
) -> tuple[PollState, list[PlcEvent]]:
    events: list[PlcEvent] = []
    new = state
    if snapshot.counter is not None:
        bits = 32 if points.part_counter and points.part_counter.type == "uint32" else 16
        if state.counter is None:
            # baseline: parts made before the poller started are not counted
            new = replace(new, counter=snapshot.counter)
        else:
            delta = counter_delta(state.counter, snapshot.counter, bits)
            new = replace(new, counter=snapshot.counter, total=state.total + delta)
            if delta:
                events.append(PartsCounted(delta, new.total, snapshot.counter, plc))
    if snapshot.state_code is not None and (
        snapshot.state_code != state.state_code or snapshot.reason_code != state.reason_code
    ):
        codes = points.state.codes if points.state else {}
        previous = None if state.state_code is None else state_name(state.state_code, codes)
        duration = 0.0 if state.state_code is None else max(0.0, now - state.state_since)
        events.append(
            MachineStateChanged(
                state_name(snapshot.state_code, codes),
                snapshot.reason_code,
                previous,
                duration,
                snapshot.state_code,
                plc,
            )
        )
        since = state.state_since if snapshot.state_code == state.state_code else now
        new = replace(
            new, state_code=snapshot.state_code, reason_code=snapshot.reason_code, state_since=since
        )
    reported = dict(state.reported)
    for point in points.analog:
        value = snapshot.analog.get(point.name)
        if value is None or math.isnan(value):
            continue
        last = reported.get(point.name)
        if last is not None:
            last_value, last_at = last
            if abs(value - last_value) <= point.deadband or now - last_at < point.min_interval_s:
                continue
        reported[point.name] = (value, now)
        events.append(ProcessValue(point.name, point.characteristic, value, point.unit, plc))
    if reported != state.reported:
        new = replace(new, reported=reported)
    return new, events


# --- read planning ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReadBlock:
    table: Table
    start: int
    count: int


def _wanted(points: PlcPoints) -> Iterable[tuple[Table, int, int]]:
    if points.part_counter:
        c = points.part_counter
        yield c.table, c.address, REGISTERS[c.type]
    if points.state:
        yield points.state.table, points.state.address, 1
        if points.state.reason_address is not None:
            yield points.state.reason_table, points.state.reason_address, 1
    for a in points.analog:
        yield a.table, a.address, REGISTERS[a.type]


def plan_reads(points: PlcPoints, max_gap: int = 8, max_count: int = 120) -> list[ReadBlock]:
    """Merge the configured points into few requests (one round trip each)."""
    blocks: list[ReadBlock] = []
    for table in ("holding", "input"):
        spans = sorted((a, a + n) for t, a, n in _wanted(points) if t == table)
        start = end = -1
        for lo, hi in spans:
            if start >= 0 and lo - end <= max_gap and hi - start <= max_count:
                end = max(end, hi)
                continue
            if start >= 0:
                blocks.append(ReadBlock(table, start, end - start))
            start, end = lo, hi
        if start >= 0:
            blocks.append(ReadBlock(table, start, end - start))
    return blocks


def decode_snapshot(
    registers: Mapping[tuple[str, int], int], points: PlcPoints, word_order: WordOrder
) -> Snapshot:
    def regs(table: str, address: int, n: int) -> list[int]:
        return [registers[(table, address + i)] for i in range(n)]

    counter = state_code = reason = None
    if points.part_counter:
        c = points.part_counter
        counter = int(decode_value(regs(c.table, c.address, REGISTERS[c.type]), c.type, word_order))
    if points.state:
        state_code = registers[(points.state.table, points.state.address)]
        if points.state.reason_address is not None:
            reason = registers[(points.state.reason_table, points.state.reason_address)]
    analog = {
        a.name: _decode_analog(a, regs(a.table, a.address, REGISTERS[a.type]), word_order)
        for a in points.analog
    }
    return Snapshot(counter, state_code, reason, analog)


def _decode_analog(point: AnalogPoint, registers: list[int], word_order: WordOrder) -> float:
    return decode_value(registers, point.type, word_order) * point.scale + point.offset


# --- imperative shell ---------------------------------------------------------


class PlcPoller(ReconnectingDevice):
    kind = "plc"

    def __init__(
        self,
        plc: Plc,
        points: PlcPoints,
        *,
        poll_hz: float = 10.0,
        word_order: WordOrder = "big",
        on_status: StatusCallback | None = None,
        on_event: Callable[[PlcEvent], None] | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(plc.name, on_status=on_status, backoff=backoff)
        self.plc = plc
        self.points = points
        self.period_s = 1.0 / poll_hz
        self.word_order = word_order
        self.events: Feed[PlcEvent] = Feed(on_item=on_event)
        self.state = PollState()
        self.blocks = plan_reads(points)
        self.polls = 0
        self._clock = clock
        #: coil -> value still to be written (survives a dropped connection)
        self._pending_coils: dict[int, bool] = {}
        self._write_lock = asyncio.Lock()

    async def stop_line(self) -> bool:
        """Set the stop coil. True if the PLC acknowledged it now; otherwise it is
        retried every poll (and after reconnecting) until written."""
        if self.points.stop_coil is None:
            log.error("plc %s: stop_line() but no stop_coil configured", self.name)
            self.reporter.error("stop requested but no stop_coil configured")
            return False
        self._pending_coils[self.points.stop_coil] = True
        return await self._write_pending()

    async def set_andon(self, color: str | None) -> bool:
        """Light the andon ``color`` (and switch the other colours off); None or "off" = all off.

        True if written now; otherwise kept and retried like :meth:`stop_line`.
        """
        andon = self.points.andon
        if color not in (None, "off") and color not in andon:
            known = ", ".join(andon) or "none configured"
            self.reporter.error(f"unknown andon colour {color!r} ({known})")
            return False
        for name, coil in andon.items():
            self._pending_coils[coil] = name == color
        return await self._write_pending()

    async def poll_once(self) -> list[PlcEvent]:
        """Read all points once and return (and emit) the resulting events. Raises PlcError."""
        registers: dict[tuple[str, int], int] = {}
        for block in self.blocks:
            values = await self.plc.read(block.table, block.start, block.count)
            for i, value in enumerate(values):
                registers[(block.table, block.start + i)] = value
        snapshot = decode_snapshot(registers, self.points, self.word_order)
        self.state, events = step(self.state, snapshot, self._clock(), self.points, self.name)
        self.polls += 1
        for event in events:
            self.events.emit(event)
        return events

    async def _write_pending(self) -> bool:
        async with self._write_lock:
            if not self._pending_coils:
                return True
            if not self.plc.connected:
                return False
            for coil, value in list(self._pending_coils.items()):
                try:
                    await self.plc.write("coil", coil, [int(value)])
                except PlcError as exc:
                    self.reporter.error(f"write failed, will retry: {exc}")
                    return False
                if self._pending_coils.get(coil) == value:
                    del self._pending_coils[coil]
            return True

    async def _session(self) -> None:
        try:
            await self.plc.connect()
        except PlcError as exc:
            raise DeviceUnavailable(str(exc)) from exc
        where = getattr(self.plc, "where", self.name)
        self.reporter.connected(where)
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            try:
                await self.poll_once()
            except PlcError as exc:
                raise DeviceFault(f"poll failed: {exc}") from exc
            if not self._pending_coils or await self._write_pending():
                self.reporter.connected(where)
            self.backoff.reset()
            next_at += self.period_s
            now = loop.time()
            if next_at < now:  # fell behind (slow PLC): don't burst to catch up
                next_at = now
            await asyncio.sleep(next_at - now)

    def _release(self) -> None:
        self.plc.close()
