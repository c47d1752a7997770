import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

from hardware.config import parse_devices
from hardware.factory import build_devices
from hardware.gauges.fake import FakeGauge
from hardware.gauges.serial import SerialGauge
from hardware.plc.base import MachineStateChanged, PartsCounted
from hardware.plc.fake import FakePlc
from hardware.plc.modbus import ModbusPlc
from hardware.plc.poller import PlcPoller
from hardware.printers.fake import FakePrinter
from hardware.printers.file import FilePrinter
from hardware.printers.network import NetworkPrinter
from hardware.scanners.base import Scan
from hardware.scanners.evdev import EvdevScanner
from hardware.scanners.fake import FakeScanner
from hardware.scanners.serial import SerialScanner
from hardware.scanners.wedge import WedgeScanner
from hardware.status import DeviceState

from .conftest import eventually, fast_backoff
from .test_tickets import TRAVELER

REPO = Path(__file__).resolve().parents[2]

CONFIGS = [
    {"kind": "scanner", "transport": "serial", "port": "/dev/ttyACM0"},
    {"kind": "scanner", "transport": "evdev", "path": "/dev/input/event3"},
    {"kind": "scanner", "transport": "wedge", "name": "wedge"},
    {"kind": "gauge", "transport": "serial", "port": "/dev/ttyUSB0", "protocol": "generic-ascii",
     "unit": "mm"},
    {"kind": "plc", "transport": "modbus-tcp", "host": "127.0.0.1", "name": "press",
     "points": {"part_counter": {"address": 0},
                "state": {"address": 1, "codes": {"0": "stopped", "1": "running"}}}},
    {"kind": "printer", "transport": "network", "host": "127.0.0.1"},
    {"kind": "printer", "transport": "file", "path": "/tmp/x", "paper_mm": 58},
]  # fmt: skip


def test_build_devices_makes_one_adapter_per_config(tmp_path):
    devices = build_devices(parse_devices(CONFIGS), queue_dir=tmp_path)
    assert [type(s) for s in devices.scanners] == [SerialScanner, EvdevScanner, WedgeScanner]
    assert isinstance(devices.gauges[0], SerialGauge)
    assert isinstance(devices.plcs[0].plc, ModbusPlc)
    assert isinstance(devices.printers[0].printer, NetworkPrinter)
    assert isinstance(devices.printer("printer-2").printer, FilePrinter)
    assert devices.printer("printer-2").paper_mm == 58
    assert devices.wedge is devices.scanners[2]
    assert devices.by_name("press") is devices.plcs[0]
    assert (tmp_path / "printer-1" / "pending").is_dir()
    assert all(s.state == DeviceState.DISCONNECTED for s in devices.statuses())


async def test_fake_station_runs_end_to_end(tmp_path):
    seen = []
    devices = build_devices(
        parse_devices(CONFIGS), queue_dir=tmp_path, fake=True, on_scan=seen.append
    )
    assert [type(s) for s in devices.scanners] == [FakeScanner, FakeScanner, WedgeScanner]
    assert isinstance(devices.gauges[0], FakeGauge)
    plc = devices.plcs[0].plc
    assert isinstance(plc, FakePlc)
    devices.start()
    try:
        scanner = devices.scanners[0]
        assert isinstance(scanner, FakeScanner)
        scanner.feed(["LOT-1"])
        assert await scanner.scans.get() == Scan("LOT-1", "scanner-1")
        assert seen == [Scan("LOT-1", "scanner-1")]
        plc.set("holding", 0, 5, 1)
        first = await asyncio.wait_for(devices.plcs[0].events.get(), 5)
        assert isinstance(first, MachineStateChanged) and first.state == "running"
        plc.set("holding", 0, 9)
        assert await asyncio.wait_for(devices.plcs[0].events.get(), 5) == PartsCounted(
            4, 4, 9, "press"
        )
        queue = devices.printer()
        await queue.print_ticket(TRAVELER)
        assert await queue.wait_idle(5)
        assert isinstance(queue.printer, FakePrinter) and len(queue.printer.received) == 1
        gauge = devices.gauges[0]
        assert isinstance(gauge, FakeGauge)
        assert [r.value for r in gauge.feed_frames([b"+1.5 mm\r\n", b"0.06 in\r\n"])] == [1.5]
        assert gauge.status.state == DeviceState.ERROR
    finally:
        await devices.stop()
    assert all(s.state == DeviceState.DISCONNECTED for s in devices.statuses())


async def test_poller_on_fake_plc_survives_timeouts_and_an_offline_plc(status_log):
    plc = FakePlc("p")
    plc.set("holding", 0, 1, 1)
    points = parse_devices([CONFIGS[4]])[0].points
    poller = PlcPoller(plc, points, poll_hz=100, on_status=status_log, backoff=fast_backoff())
    async with poller:
        await eventually(lambda: poller.polls > 0)
        plc.fail_next = 2
        await eventually(lambda: status_log.saw(DeviceState.ERROR, "timeout (simulated)"))
        await eventually(lambda: poller.status.state == DeviceState.CONNECTED)
        plc.online = False
        await eventually(lambda: status_log.saw(DeviceState.DISCONNECTED, "offline"))
        assert await poller.stop_line() is False  # no stop coil configured
        plc.online = True
        polls = poller.polls
        await eventually(lambda: poller.polls > polls)
    assert poller.state.counter == 1


def test_importing_hardware_loads_no_device_library():
    code = textwrap.dedent(
        """
        import sys
        import hardware, hardware.config, hardware.factory, hardware.scanners
        import hardware.gauges, hardware.plc, hardware.printers
        heavy = ["evdev", "serial", "pymodbus", "escpos", "PIL", "qrcode", "barcode", "textual"]
        print(",".join(m for m in heavy if m in sys.modules))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
