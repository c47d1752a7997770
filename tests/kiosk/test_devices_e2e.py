"""The kiosk with its station's devices as real peers on loopback.

A pty pair is the serial gauge, a pymodbus TCP server the lathe's PLC, a TCP
listener the network receipt printer; the server is the real one (``live_server``,
SQLite and PostgreSQL). The wedge tests need no server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import tty
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice
from sqlmodel import Session
from textual import events
from textual.pilot import Pilot

from core import events as ev
from core.flow import Entry, RecordEvent
from core.flow.actions import StopLine
from core.flow.station import STATION_FLOW
from hardware.status import DeviceState
from kiosk.app import KioskApp, build_app
from kiosk.devices import machine_state
from kiosk.outbox import Answer
from screens.rejections import RejectionScreen
from screens.widgets import MessageBar, ScanInput, StatusBar
from server import models as m
from server.services.revs import next_rev
from tests.conftest import LiveServer, free_port
from tests.kiosk.conftest import FIXED_NOW, GS, live_config, offline_app, rows, scan, synced, until

READ_COILS, WRITE_REGISTERS = 1, 16
PAPER_OK, ONLINE = 0x12, 0x12
FAST = {"reconnect_initial_s": 0.05, "reconnect_max_s": 0.2}


# --- peers (small copies of tests/hardware's helpers) ------------------------------------


class SerialGaugePeer:
    """A pty pair standing in for the gauge's cable; ``path`` is a stable symlink to it."""

    def __init__(self, directory: Path) -> None:
        self.path = str(directory / "ttyGAUGE0")
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        os.symlink(os.ttyname(self.slave), self.path)

    def send(self, frame: bytes) -> None:
        os.write(self.master, frame)

    def vanish(self) -> None:
        """Unplug: both ends closed, the path dangles."""
        for fd in (self.master, self.slave):
            if fd >= 0:
                os.close(fd)
        self.master = self.slave = -1


class PlcPeer:
    """A pymodbus TCP server with its own coil and register tables, like a real PLC."""

    def __init__(self, port: int) -> None:
        self.port = port
        device = SimDevice(
            id=1,
            simdata=(
                [SimData(0, count=32, values=False, datatype=DataType.BITS)],
                [SimData(0, count=16, values=False, datatype=DataType.BITS)],
                [SimData(0, count=64, values=0, datatype=DataType.REGISTERS)],
                [SimData(0, count=16, values=0, datatype=DataType.REGISTERS)],
            ),
        )
        self.server = ModbusTcpServer(device, address=("127.0.0.1", port))

    async def set(self, address: int, *values: int) -> None:
        await self.server.async_setValues(1, WRITE_REGISTERS, address, list(values))

    async def coils(self, address: int, count: int) -> list[bool]:
        return [bool(v) for v in await self.server.async_getValues(1, READ_COILS, address, count)]


class PrinterPeer:
    """A TCP 9100 listener acting as a receipt printer: answers DLE EOT, keeps each job."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.jobs: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> PrinterPeer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received, answered = b"", 0
        while chunk := await reader.read(4096):
            received += chunk
            while (at := received.find(b"\x10\x04", answered)) >= 0 and at + 2 < len(received):
                writer.write(bytes([PAPER_OK if received[at + 2] == 4 else ONLINE]))
                await writer.drain()
                answered = at + 3
        writer.close()
        job = received.replace(b"\x10\x04\x01", b"").replace(b"\x10\x04\x04", b"")
        if job:
            self.jobs.append(job)


@pytest.fixture
def gauge(tmp_path: Path) -> Iterator[SerialGaugePeer]:
    peer = SerialGaugePeer(tmp_path)
    yield peer
    peer.vanish()


@pytest.fixture
async def plc() -> AsyncIterator[PlcPeer]:
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    peer = PlcPeer(free_port())
    await peer.server.serve_forever(background=True)
    yield peer
    await peer.server.shutdown()


@pytest.fixture
async def printer() -> AsyncIterator[PrinterPeer]:
    peer = PrinterPeer(free_port())
    yield peer
    await peer.stop()


def station_devices(
    gauge_path: str, printer_port: int, plc_port: int | None = None
) -> list[dict[str, Any]]:
    """L1-TURN's devices as the plant file would list them, pointed at the loopback peers."""
    devices: list[dict[str, Any]] = [
        {"kind": "scanner", "transport": "wedge", "name": "scanner"},
        {
            "kind": "gauge", "transport": "serial", "name": "micrometer", "port": gauge_path,
            "protocol": "generic-ascii", "unit": "mm", **FAST,
        },
        {
            "kind": "printer", "transport": "network", "name": "printer", "host": "127.0.0.1",
            "port": printer_port, "timeout_s": 1, **FAST,
        },
    ]  # fmt: skip
    if plc_port is not None:
        devices.append(
            {
                "kind": "plc",
                "transport": "modbus-tcp",
                "name": "lathe-plc",
                "host": "127.0.0.1",
                "port": plc_port,
                "poll_hz": 20,
                "timeout_s": 0.5,
                **FAST,
                "points": {
                    "part_counter": {"address": 0},
                    "state": {
                        "address": 1,
                        "reason_address": 2,
                        "codes": {0: "idle", 1: "running", 2: "down"},
                    },
                    "stop_coil": 0,
                    "andon": {"red": 1, "green": 2},
                },
            }  # fmt: skip
        )
    return devices


def connected(app: KioskApp, name: str) -> bool:
    return any(s.name == name and s.state == DeviceState.CONNECTED for s in app.hardware.statuses())


def status_bar(app: KioskApp) -> str:
    return str(app.screen.query_one(StatusBar).render())


def message(app: KioskApp) -> str:
    return str(app.screen.query_one(MessageBar).render())


def measured(app: KioskApp, characteristic: str) -> int:
    job = app.service.state.job
    plan = job.characteristic(characteristic) if job else None
    return plan.measured if plan else 0


def line_stop_on_fail(live_server: LiveServer, characteristic: str) -> None:
    """The characteristic's reaction plan stops the line; its operation's rev moves so the
    feed sends it."""
    with Session(live_server.engine) as session:
        ch = session.get(m.Characteristic, characteristic)
        assert ch is not None
        ch.reaction = ["hold_lot", "line_stop", "notify"]
        op = session.get(m.Operation, ch.operation_id)
        assert op is not None
        op.rev = next_rev(session)
        session.add_all([ch, op])
        session.commit()


async def coil_set(pilot: Pilot[Any], plc: PlcPeer, address: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while await plc.coils(address, 1) != [True]:
        if time.monotonic() > deadline:
            raise AssertionError(f"coil {address} was never set")
        await pilot.pause(0.05)


# --- the acceptance run -------------------------------------------------------------------


async def test_gauge_and_plc_run_a_job_and_a_failed_reading_stops_the_line(
    live_server: LiveServer,
    tmp_path: Path,
    gauge: SerialGaugePeer,
    plc: PlcPeer,
    printer: PrinterPeer,
) -> None:
    line_stop_on_fail(live_server, "SHAFT-DIA")
    await printer.start()
    await plc.set(0, 100, 1, 0)  # counter 100, running, no reason
    devices = station_devices(gauge.path, printer.port, plc.port)
    app = build_app(
        live_config(live_server, tmp_path / "kiosk", "L1-TURN", devices_override=devices)
    )
    app.hardware.parts_interval_s = 0  # record every count at once
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.service.cache.ready)
        await until(pilot, lambda: all(connected(app, n) for n in ("micrometer", "lathe-plc")))
        await scan(app, pilot, "EMP1002")
        await scan(app, pilot, "WO-1001")
        job = app.service.state.job
        assert job is not None and job.output_lot
        lot = job.output_lot.encode()
        # the traveler reaches the printer with the lot the job makes
        await until(pilot, lambda: any(lot in j for j in printer.jobs))

        # readings from the gauge fill the prompted measurements
        gauge.send(b"+12.004 mm\r\n")
        await until(pilot, lambda: measured(app, "SHAFT-DIA") == 1)
        gauge.send(b"+0.5913 in\r\n")  # inch mode: refused, never converted
        await until(pilot, lambda: "switch the gauge to mm" in message(app))
        gauge.send(b"+150.02 mm\r\n")
        await until(pilot, lambda: measured(app, "SHAFT-LEN") == 1)

        # the machine counts parts and goes down with a reason
        await plc.set(0, 103)
        await plc.set(1, 2, 17)
        kinds = ("MachineStateChanged", "PartsCounted")
        await until(
            pilot,
            lambda: sum(e.type in kinds for e in app.service.outbox.events()) >= 3,
        )
        assert await plc.coils(0, 1) == [False]

        # a failing reading: SHAFT-DIA's reaction plan stops the line through the PLC
        await scan(app, pilot, "SHAFT-DIA")
        gauge.send(b"+12.100 mm\r\n")
        await until(pilot, lambda: measured(app, "SHAFT-DIA") == 2)
        await coil_set(pilot, plc, 0)
        await coil_set(pilot, plc, 1)  # andon red
        await synced(app, pilot)

    readings = sorted(
        (r.characteristic, r.value, r.verdict, r.source, r.device)
        for r in rows(live_server, m.Measurement)
    )
    assert readings == [
        ("SHAFT-DIA", 12.004, "pass", "gauge", "micrometer"),
        ("SHAFT-DIA", 12.1, "fail", "gauge", "micrometer"),
        ("SHAFT-LEN", 150.02, "pass", "gauge", "micrometer"),
    ]
    logged = rows(live_server, m.EventLog, m.EventLog.station_id == "L1-TURN")
    kinds = ("MachineStateChanged", "PartsCounted")
    states = [json.loads(r.payload) for r in logged if r.type == "MachineStateChanged"]
    assert [(s["state"], s["previous_state"], s["reason_code"]) for s in states] == [
        ("running", None, 0),
        ("down", "running", 17),
    ]
    assert states[1]["duration_s"] >= 0
    (counted,) = [json.loads(r.payload) for r in logged if r.type == "PartsCounted"]
    assert (counted["delta"], counted["total"]) == (3, 3)
    assert counted["job_id"] == str(job.job_id)
    assert all(r.status == "applied" for r in logged if r.type in kinds)


# --- trouble: a dead printer, a gauge pulled out mid-reading ------------------------------


async def test_dead_printer_queues_and_a_vanished_gauge_leaves_the_keyboard(
    live_server: LiveServer, tmp_path: Path, gauge: SerialGaugePeer, printer: PrinterPeer
) -> None:
    devices = station_devices(gauge.path, printer.port)  # nothing listens there yet
    app = build_app(
        live_config(live_server, tmp_path / "kiosk", "L1-TURN", devices_override=devices)
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.service.cache.ready)
        await until(pilot, lambda: connected(app, "micrometer"))
        await scan(app, pilot, "EMP1002")
        await scan(app, pilot, "WO-1001")
        lot = str(app.service.state.job.output_lot)  # type: ignore[union-attr]
        queue = app.hardware.printer()
        assert queue is not None
        await until(pilot, lambda: len(queue.pending()) == 1)
        await until(pilot, lambda: "printer: offline, 1 queued" in status_bar(app))
        await pilot.press("f5")
        assert "1 ticket waiting" in message(app)
        await pilot.press("f6")
        assert f"traveler {lot}" in message(app)

        # the gauge is pulled out halfway through a frame
        gauge.send(b"+12.0")
        await pilot.pause(0.1)
        gauge.vanish()
        await until(pilot, lambda: "vanished mid-frame" in message(app))
        await until(pilot, lambda: "micrometer:" in status_bar(app))
        assert measured(app, "SHAFT-DIA") == 0  # the half frame is dropped, not read
        # the keyboard still measures
        await scan(app, pilot, "12.004")
        assert measured(app, "SHAFT-DIA") == 1

        # the printer comes back: the waiting traveler prints, nothing is lost
        await printer.start()
        await until(pilot, lambda: any(lot.encode() in j for j in printer.jobs))
        await until(pilot, lambda: queue.pending() == [])
        assert [j.label for j in queue.printed()] == [f"traveler {lot}"]
        await until(pilot, lambda: "queued" not in status_bar(app))
        await synced(app, pilot)
    (measurement,) = rows(live_server, m.Measurement)
    assert (measurement.value, measurement.source) == (12.004, "keyboard")


# --- the keyboard wedge, config mistakes, a line stop with no PLC (no server) -------------


def wedge_app(
    tmp_path: Path, devices: list[dict[str, Any]], station: str = "L1-SAW", **kw: Any
) -> KioskApp:
    app = offline_app(tmp_path, station=station, devices_override=devices, **kw)
    seen: list[tuple[str, str]] = []
    handle = app.service.handle_entry

    def spy(entry: Any, source: str = "keyboard") -> Any:
        text = entry.text if isinstance(entry, Entry) else str(entry)
        seen.append((text, source))
        return handle(entry, source)

    app.service.handle_entry = spy  # type: ignore[method-assign]
    app.seen = seen  # type: ignore[attr-defined]
    return app


async def keys(
    app: KioskApp, pilot: Pilot[Any], text: str, gap_s: float, enter: bool = True
) -> None:
    """Keys ``gap_s`` apart by their own timestamps, then Enter (a scanner: ~1 ms)."""
    start = time.monotonic()
    for i, ch in enumerate([*text, "\r"] if enter else text):
        if ch == GS:
            key = events.Key("ctrl+right_square_bracket", GS)
        elif ch == "\r":
            key = events.Key("enter", "\r")
        else:
            key = events.Key(ch, ch)
        key.time = start + i * gap_s
        app.post_message(key)
    await pilot.pause()
    await pilot.pause()


async def test_wedge_tells_a_scanner_burst_from_typing_and_keeps_gs(tmp_path: Path) -> None:
    app = wedge_app(tmp_path, [{"kind": "scanner", "transport": "wedge", "name": "scanner"}])
    async with app.run_test(size=(80, 24)) as pilot:
        await keys(app, pilot, "EMP1001", gap_s=0.001)
        await keys(app, pilot, "WO-1001", gap_s=0.2)
        await keys(app, pilot, f"]C110LOT-BAR-261101{GS}3716", gap_s=0.001)
        await keys(app, pilot, "15", gap_s=0.001)  # too short for a scan: typed
        assert app.screen.query_one(ScanInput).value == ""
    assert app.seen == [  # type: ignore[attr-defined]
        ("EMP1001", "scanner"),
        ("WO-1001", "keyboard"),
        (f"]C110LOT-BAR-261101{GS}3716", "scanner"),
        ("15", "keyboard"),
    ]
    assert app.service.state.job.materials[0].lots == (("LOT-BAR-261101", 8),)  # type: ignore[union-attr]


async def test_wedge_scans_back_to_back_keep_their_order(tmp_path: Path) -> None:
    app = wedge_app(tmp_path, [{"kind": "scanner", "transport": "wedge"}], station="L1-TURN")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.hardware.wedge is not None)
        for entry in ("EMP1001", "WO-1001"):
            await scan(app, pilot, entry)
        for n in range(1, 6):
            await scan(app, pilot, "SHAFT-DIA")
            await scan(app, pilot, "12.001")
            assert measured(app, "SHAFT-DIA") == n
    assert {source for _, source in app.seen} == {"scanner"}  # type: ignore[attr-defined]


async def test_a_scanner_without_enter_ends_its_scan_by_silence(tmp_path: Path) -> None:
    wedge = {"kind": "scanner", "transport": "wedge", "require_enter": False}
    app = wedge_app(tmp_path, [wedge])
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.hardware.wedge is not None)
        await keys(app, pilot, "EMP1001", gap_s=0.001, enter=False)
        await until(pilot, lambda: app.service.state.operator is not None)
        assert app.screen.query_one(ScanInput).value == ""
    assert app.seen == [("EMP1001", "scanner")]  # type: ignore[attr-defined]


async def test_a_scan_into_a_notice_goes_to_the_notice_not_the_flow(tmp_path: Path) -> None:
    app = wedge_app(tmp_path, [{"kind": "scanner", "transport": "wedge", "name": "scanner"}])
    box = app.service.outbox
    (made,) = box.record([RecordEvent(ev.OperatorLoggedIn(badge="EMP1001"), "EMP1001", FIXED_NOW)])
    box.answer([Answer(str(made.id), "rejected", "badge EMP1001 is not an active operator")])
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.hardware.wedge is not None)
        assert isinstance(app.screen, RejectionScreen)
        await keys(app, pilot, "#CONFIRM", gap_s=0.001)
        assert not isinstance(app.screen, RejectionScreen)
    assert app.seen == []  # type: ignore[attr-defined]
    assert app.service.rejections() == []


async def test_a_gauge_in_inches_is_refused_for_a_characteristic_in_mm(tmp_path: Path) -> None:
    caliper = {
        "kind": "gauge", "transport": "serial", "name": "caliper", "port": "/dev/null",
        "protocol": "generic-ascii", "unit": "in",
    }  # fmt: skip
    app = offline_app(tmp_path, station="L1-TURN", fake_devices=True, devices_override=[caliper])
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.hardware.devices.gauges)
        for entry in ("EMP1001", "WO-1001"):
            await scan(app, pilot, entry)
        app.hardware.devices.gauges[0].feed_values([0.4724])  # type: ignore[union-attr]
        await until(pilot, lambda: "caliper sends in" in message(app))
        assert "switch it to mm" in message(app) and measured(app, "SHAFT-DIA") == 0
        assert app.screen.query_one(MessageBar).has_class("-error")


async def test_f4_asks_a_gauge_that_reads_on_request(
    tmp_path: Path, gauge: SerialGaugePeer
) -> None:
    """A bench gauge in poll mode answers only when asked: F4 sends its poll command over
    the serial line and the answer measures the prompted characteristic."""
    bench = {
        "kind": "gauge", "transport": "serial", "name": "bench-gauge", "port": gauge.path,
        "protocol": "generic-ascii", "unit": "mm", "trigger": "poll", "poll_command": "?\r",
        "response_timeout_s": 0.3, **FAST,
    }  # fmt: skip
    app = offline_app(tmp_path / "kiosk", station="L1-TURN", devices_override=[bench])
    os.set_blocking(gauge.master, False)

    def asked() -> bytes:
        try:
            return os.read(gauge.master, 64)
        except BlockingIOError:
            return b""

    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: connected(app, "bench-gauge"))
        await pilot.press("f4")
        assert "Nothing is to be measured now" in message(app)
        assert asked() == b""  # not asked: its answer would have nothing to measure
        for entry in ("EMP1001", "WO-1001"):
            await scan(app, pilot, entry)
        await pilot.press("f4")
        assert "Reading SHAFT-DIA from bench-gauge" in message(app)
        request = b""
        deadline = time.monotonic() + 10
        while not request.endswith(b"?\r"):
            assert time.monotonic() < deadline, f"no poll command, got {request!r}"
            await pilot.pause(0.02)
            request += asked()
        assert request == b"?\r"
        gauge.send(b"+12.003 mm\r\n")
        await until(pilot, lambda: measured(app, "SHAFT-DIA") == 1)
        [recorded] = [e for e in app.service.outbox.events() if e.type == "MeasurementRecorded"]
        assert (recorded.payload["value"], recorded.payload["source"]) == (12.003, "gauge")
        assert recorded.payload["device"] == "bench-gauge"
        # asked again, it stays silent: the operator is told, and nothing is recorded
        await pilot.press("f4")
        await until(pilot, lambda: "bench-gauge did not answer" in message(app))
        assert "F4 again (or type the value)" in message(app) and measured(app, "SHAFT-LEN") == 0


async def test_f4_with_a_gauge_that_sends_by_itself_says_how_to_read_it(tmp_path: Path) -> None:
    caliper = {
        "kind": "gauge", "transport": "serial", "name": "caliper", "port": "/dev/null",
        "protocol": "generic-ascii", "unit": "mm",
    }  # fmt: skip
    app = offline_app(tmp_path, station="L1-TURN", fake_devices=True, devices_override=[caliper])
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.hardware.devices.gauges)
        for entry in ("EMP1001", "WO-1001"):
            await scan(app, pilot, entry)
        await pilot.press("f4")
        assert "caliper sends its readings itself: press its data button" in message(app)
        assert measured(app, "SHAFT-DIA") == 0


async def test_travelers_and_hold_tags_go_to_the_printer_that_takes_them(tmp_path: Path) -> None:
    """A receipt printer for travelers and a label printer for hold tags, both on loopback."""
    receipts, labels = (
        await PrinterPeer(free_port()).start(),
        await PrinterPeer(free_port()).start(),
    )
    devices = [
        {"kind": "printer", "transport": "network", "name": "receipts", "host": "127.0.0.1",
         "port": receipts.port, "prints": ["traveler"], **FAST},
        {"kind": "printer", "transport": "network", "name": "labels", "host": "127.0.0.1",
         "port": labels.port, "prints": ["hold_tag"], "paper_mm": 58, **FAST},
    ]  # fmt: skip
    app = offline_app(tmp_path, station="L1-SAW", devices_override=devices)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: len(app.hardware.devices.printers) == 2)
            for entry in ("EMP1001", "WO-1001"):
                await scan(app, pilot, entry)
            lot = str(app.service.state.job.output_lot).encode()  # type: ignore[union-attr]
            await until(pilot, lambda: any(lot in j for j in receipts.jobs))
            for entry in ("LOT-BAR-261101", "156.2"):  # out of tolerance: the lot is held here
                await scan(app, pilot, entry)
            await until(pilot, lambda: any(lot in j for j in labels.jobs))
            [traveler] = receipts.jobs
            [tag] = labels.jobs
            assert b"HOLD" in tag and b"HOLD" not in traveler
            # F5 with nothing waiting prints the newest ticket again, where it was printed
            await pilot.press("f5")
            assert "again on labels" in message(app)
            await until(pilot, lambda: len(labels.jobs) == 2)
            assert labels.jobs[1] == tag and receipts.jobs == [traveler]
    finally:
        await receipts.stop()
        await labels.stop()


async def test_a_plc_process_value_is_recorded_for_spc_with_the_plc_named(
    tmp_path: Path, plc: PlcPeer
) -> None:
    """A measured value the PLC reports for a characteristic the operator is not being asked
    for goes to the outbox as a MeasurementRecorded from that PLC; it does not count toward
    what the operator must measure."""
    await plc.set(10, 15000)  # 150.00 mm before any job runs: nothing to record it against
    lathe = {
        "kind": "plc", "transport": "modbus-tcp", "name": "lathe-plc", "host": "127.0.0.1",
        "port": plc.port, "poll_hz": 20, "timeout_s": 0.5, **FAST,
        "points": {"analog": [{"name": "length", "characteristic": "SHAFT-LEN", "unit": "mm",
                               "address": 10, "type": "int16", "scale": 0.01}]},
    }  # fmt: skip
    app = offline_app(tmp_path / "kiosk", station="L1-TURN", devices_override=[lathe])

    def from_plc() -> list[dict[str, Any]]:
        return [
            e.payload
            for e in app.service.outbox.events()
            if e.type == "MeasurementRecorded" and e.payload["source"] == "plc"
        ]

    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: connected(app, "lathe-plc"))
        await pilot.pause(0.2)
        for entry in ("EMP1001", "WO-1001"):
            await scan(app, pilot, entry)
        assert app.service.state.prompt.characteristic == "SHAFT-DIA"  # type: ignore[attr-defined]
        await plc.set(10, 15003)
        await until(pilot, lambda: from_plc())
        [payload] = from_plc()
        assert (payload["characteristic"], payload["value"], payload["device"]) == (
            "SHAFT-LEN", 150.03, "lathe-plc",
        )  # fmt: skip
        assert payload["verdict"] == "pass" and measured(app, "SHAFT-LEN") == 0


async def test_a_bad_device_entry_is_reported_and_the_rest_still_runs(tmp_path: Path) -> None:
    devices: list[dict[str, Any]] = [
        {"kind": "gauge", "transport": "serial", "name": "micrometer", "protocol": "generic-ascii",
         "unit": "mm", "baud_rate": 9600},  # typo, and no port
        {"kind": "scanner", "transport": "wedge", "name": "scanner"},
    ]  # fmt: skip
    app = wedge_app(tmp_path, devices)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.hardware.wedge is not None)
        await pilot.pause()
        assert "1 device misconfigured" in status_bar(app)
        await pilot.press("f6")
        assert "devices[0] (gauge 'micrometer')" in message(app)
        await keys(app, pilot, "EMP1001", gap_s=0.001)
    assert app.seen == [("EMP1001", "scanner")]  # type: ignore[attr-defined]


async def test_a_line_stop_with_no_plc_tells_the_operator_to_stop_it_by_hand(
    tmp_path: Path,
) -> None:
    def stop_on_badge(turn: Any, result: Any) -> Any:
        if turn.text == "EMP1001":
            return type(result)(result.state, result.message, (*result.actions, StopLine("test")))
        return result

    app = offline_app(tmp_path, devices_override=[])
    app.service.flow = STATION_FLOW.extend(after=(stop_on_badge,))
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(app, pilot, "EMP1001")
        await pilot.pause()
        assert "STOP THE LINE BY HAND" in message(app)


def test_plc_state_names_map_to_the_event_vocabulary() -> None:
    assert [machine_state(n) for n in ("running", "Fault", "stopped", "changeover", "x")] == [
        "running",
        "down",
        "idle",
        "setup",
        "unknown",
    ]
    assert machine_state(None) is None


def test_snapshot_printer_off_with_a_ticket_waiting(snap_compare: Any, tmp_path: Path) -> None:
    printer = {"kind": "printer", "transport": "network", "name": "printer", "host": "127.0.0.1"}
    app = offline_app(tmp_path, fake_devices=True, devices_override=[printer])

    async def run_before(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: app.hardware.printer() is not None)
        queue = app.hardware.printer()
        assert queue is not None
        queue.printer.online = False  # type: ignore[attr-defined]
        for entry in ("EMP1001", "WO-1001"):
            await scan(app, pilot, entry)
        await until(pilot, lambda: "1 queued" in status_bar(app))
        await pilot.press("f5")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
