import asyncio

from hardware.scanners.base import GS, Scan
from hardware.scanners.serial import SerialScanner
from hardware.serialport import SerialSettings
from hardware.status import DeviceState

from .conftest import eventually, fast_backoff


def scanner_on(device, status_log, framing="crlf"):
    return SerialScanner(
        "scanner-1", SerialSettings(device.path, 9600), framing=framing,
        on_status=status_log, backoff=fast_backoff(),
    )  # fmt: skip


async def next_scan(scanner):
    return await asyncio.wait_for(scanner.scans.get(), 5)


async def test_crlf_frames_arrive_as_scans_even_when_split(serial_device, status_log):
    async with scanner_on(serial_device, status_log) as scanner:
        await eventually(lambda: scanner.status.state == DeviceState.CONNECTED)
        serial_device.write(b"LOT-0")
        await asyncio.sleep(0.02)
        serial_device.write(b"01\r\n0104012345678901\x1d10AB\r\n")
        assert await next_scan(scanner) == Scan("LOT-001", "scanner-1")
        assert await next_scan(scanner) == Scan("0104012345678901" + GS + "10AB", "scanner-1")


async def test_stx_etx_framing(serial_device, status_log):
    async with scanner_on(serial_device, status_log, "stx-etx") as scanner:
        await eventually(lambda: scanner.status.state == DeviceState.CONNECTED)
        serial_device.write(b"noise\x02WO-1001\x03\r\n")
        assert await next_scan(scanner) == Scan("WO-1001", "scanner-1")


async def test_vanishing_mid_frame_drops_the_partial_and_reconnects(serial_device, status_log):
    async with scanner_on(serial_device, status_log) as scanner:
        await eventually(lambda: scanner.status.state == DeviceState.CONNECTED)
        serial_device.write(b"LOT-1\r")
        assert await next_scan(scanner) == Scan("LOT-1", "scanner-1")
        serial_device.write(b"LOT-99")  # unplugged before the CR
        await eventually(lambda: scanner.framer.pending == b"LOT-99")
        serial_device.vanish()
        await eventually(lambda: scanner.status.state != DeviceState.CONNECTED)
        await eventually(lambda: status_log.saw(DeviceState.DISCONNECTED))
        serial_device.replug()  # same by-id path, new tty
        await eventually(lambda: scanner.status.state == DeviceState.CONNECTED)
        serial_device.write(b"LOT-2\r\n")
        assert await next_scan(scanner) == Scan("LOT-2", "scanner-1")
    assert scanner.dropped_partials == [b"LOT-99"]
    assert status_log.saw(DeviceState.ERROR, "partial frame dropped (6 bytes)")
    assert scanner.scans.drain() == []  # the partial never became a scan


async def test_a_missing_port_is_reported_and_retried(tmp_path, status_log):
    scanner = SerialScanner(
        "scanner-9", SerialSettings(str(tmp_path / "nope")), on_status=status_log,
        backoff=fast_backoff(),
    )  # fmt: skip
    async with scanner:
        await eventually(lambda: status_log.saw(DeviceState.DISCONNECTED, "cannot open"))
        assert scanner.running
