import asyncio

from hardware.gauges.serial import SerialGauge
from hardware.serialport import SerialSettings
from hardware.status import DeviceState

from .conftest import eventually, fast_backoff


def gauge_on(device, status_log, **kwargs):
    kwargs.setdefault("protocol", "generic-ascii")
    kwargs.setdefault("unit", "mm")
    return SerialGauge(
        "bore-gauge", SerialSettings(device.path, 9600), on_status=status_log,
        backoff=fast_backoff(), **kwargs,
    )  # fmt: skip


async def test_push_mode_readings_and_refused_inch_reading(serial_device, status_log):
    async with gauge_on(serial_device, status_log) as gauge:
        await eventually(lambda: gauge.status.state == DeviceState.CONNECTED)
        serial_device.write(b"+12.003 mm\r\n+0.4862 in\r\n\x00\xffjunk\r\n+12.010 mm\r\n")
        first = await asyncio.wait_for(gauge.readings.get(), 5)
        second = await asyncio.wait_for(gauge.readings.get(), 5)
    assert (first.value, first.unit) == (12.003, "mm")
    assert (second.value, second.unit) == (12.010, "mm")
    assert status_log.saw(DeviceState.ERROR, "switch the gauge to mm")
    assert status_log.saw(DeviceState.ERROR, "unreadable frame")
    assert [m for _, m in gauge.rejected if "in " in m]


async def test_poll_mode_sends_the_request_and_returns_the_answer(serial_device, status_log):
    gauge = gauge_on(
        serial_device, status_log, protocol="mitutoyo-digimatic", trigger="poll",
        poll_command=b"1\r", framing="cr",
    )  # fmt: skip
    async with gauge:
        await eventually(lambda: gauge.status.state == DeviceState.CONNECTED)

        async def answer():
            assert await serial_device.read(2) == b"1\r"
            serial_device.write(b"01A+00012.345\r")

        responder = asyncio.create_task(answer())
        reading = await gauge.request(timeout=5)
        await responder
    assert reading is not None and reading.value == 12.345 and reading.channel == "01"


async def test_poll_without_answer_returns_none_and_reports(serial_device, status_log):
    gauge = gauge_on(serial_device, status_log, trigger="poll", poll_command=b"?\r")
    async with gauge:
        await eventually(lambda: gauge.status.state == DeviceState.CONNECTED)
        assert await gauge.request(timeout=0.1) is None
    assert status_log.saw(DeviceState.ERROR, "no answer")


async def test_gauge_vanishing_mid_frame_reconnects(serial_device, status_log):
    async with gauge_on(serial_device, status_log) as gauge:
        await eventually(lambda: gauge.status.state == DeviceState.CONNECTED)
        serial_device.write(b"+12.0")
        await eventually(lambda: gauge.framer.pending == b"+12.0")
        serial_device.vanish()
        await eventually(lambda: status_log.saw(DeviceState.ERROR, "partial frame dropped"))
        serial_device.replug()
        await eventually(lambda: gauge.status.state == DeviceState.CONNECTED)
        serial_device.write(b"+12.5 mm\r\n")
        reading = await asyncio.wait_for(gauge.readings.get(), 5)
    assert reading.value == 12.5
    assert gauge.readings.drain() == []
