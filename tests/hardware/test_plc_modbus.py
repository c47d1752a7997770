"""PLC poller against a real pymodbus server on a free loopback port."""

import asyncio
import logging

import pytest
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from hardware.config import AnalogPoint, CounterPoint, PlcPoints, StatePoint
from hardware.plc.base import MachineStateChanged, PartsCounted, ProcessValue
from hardware.plc.codec import encode_float32
from hardware.plc.modbus import ModbusPlc
from hardware.plc.poller import PlcPoller
from hardware.status import DeviceState

from .conftest import eventually, fast_backoff, free_port

READ_COILS, WRITE_REGISTER, WRITE_REGISTERS = 1, 6, 16

POINTS = PlcPoints(
    part_counter=CounterPoint(address=0),
    state=StatePoint(address=2, reason_address=3, codes={0: "stopped", 1: "running", 2: "fault"}),
    analog=[AnalogPoint(name="melt_temp", characteristic="MT-01", unit="degC", address=10)],
    stop_coil=0,
    andon={"red": 10, "amber": 11, "green": 12},
)


class PlcPeer:
    """A pymodbus TCP server with separate coil / register tables, like a real PLC."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.server: ModbusTcpServer | None = None

    async def start(self) -> None:
        device = SimDevice(
            id=1,
            simdata=(
                [SimData(0, count=32, values=False, datatype=DataType.BITS)],
                [SimData(0, count=16, values=False, datatype=DataType.BITS)],
                [SimData(0, count=64, values=0, datatype=DataType.REGISTERS)],
                [SimData(0, count=16, values=0, datatype=DataType.REGISTERS)],
            ),
        )
        self.server = ModbusTcpServer(device, address=("127.0.0.1", self.port))
        await self.server.serve_forever(background=True)

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.shutdown()
            self.server = None

    async def set(self, address: int, *values: int) -> None:
        assert self.server
        await self.server.async_setValues(1, WRITE_REGISTERS, address, list(values))

    async def coils(self, address: int, count: int) -> list[bool]:
        assert self.server
        return list(await self.server.async_getValues(1, READ_COILS, address, count))


@pytest.fixture
async def peer():
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    plc = PlcPeer(free_port())
    await plc.start()
    yield plc
    await plc.stop()


def poller_for(peer, status_log, points=POINTS):
    plc = ModbusPlc.tcp("press-3", "127.0.0.1", peer.port, timeout=0.5)
    return PlcPoller(plc, points, poll_hz=50, on_status=status_log, backoff=fast_backoff())


async def next_event(poller, kind):
    while True:
        event = await asyncio.wait_for(poller.events.get(), 5)
        if isinstance(event, kind):
            return event


async def test_register_changes_become_typed_events(peer, status_log):
    await peer.set(0, 100, 0, 1, 0)  # counter 100, state running, no reason
    await peer.set(10, *encode_float32(215.5))
    async with poller_for(peer, status_log) as poller:
        first = await next_event(poller, MachineStateChanged)
        assert (first.state, first.previous_state, first.plc) == ("running", None, "press-3")
        assert await next_event(poller, ProcessValue) == ProcessValue(
            "melt_temp", "MT-01", 215.5, "degC", "press-3"
        )
        await peer.set(0, 103)
        assert await next_event(poller, PartsCounted) == PartsCounted(3, 3, 103, "press-3")
        await peer.set(2, 2, 17)  # fault, reason 17
        fault = await next_event(poller, MachineStateChanged)
        assert (fault.state, fault.reason_code, fault.previous_state) == ("fault", 17, "running")
        assert fault.duration_s >= 0
        await peer.set(0, 65534)
        await next_event(poller, PartsCounted)
        await peer.set(0, 1)  # 16-bit counter wrapped
        wrapped = await next_event(poller, PartsCounted)
        assert (wrapped.delta, wrapped.counter) == (3, 1)
    assert status_log.states()[0] == DeviceState.CONNECTED


async def test_stop_line_and_andon_write_coils_read_back_from_the_plc(peer, status_log):
    async with poller_for(peer, status_log) as poller:
        await eventually(lambda: poller.status.state == DeviceState.CONNECTED)
        assert await poller.stop_line() is True
        assert await peer.coils(0, 1) == [True]
        assert await poller.set_andon("red") is True
        assert await peer.coils(10, 3) == [True, False, False]
        assert await poller.set_andon("green") is True
        assert await peer.coils(10, 3) == [False, False, True]
        assert await poller.set_andon(None) is True
        assert await peer.coils(10, 3) == [False, False, False]
        assert await poller.set_andon("purple") is False
        assert status_log.saw(DeviceState.ERROR, "unknown andon colour 'purple'")


async def test_exception_response_is_reported_and_retried_not_raised(peer, status_log):
    bad = POINTS.model_copy(
        update={"analog": [AnalogPoint(name="x", unit="C", address=500)]}  # not in the PLC's map
    )
    async with poller_for(peer, status_log, bad) as poller:
        await eventually(lambda: status_log.saw(DeviceState.ERROR, "illegal data address"))
        await eventually(lambda: status_log.states().count(DeviceState.CONNECTED) >= 2)
        assert poller.running


async def test_plc_going_away_mid_poll_reports_error_then_reconnects(peer, status_log):
    await peer.set(0, 10, 0, 1, 0)
    async with poller_for(peer, status_log) as poller:
        await next_event(poller, MachineStateChanged)
        await peer.stop()
        await eventually(lambda: poller.status.state != DeviceState.CONNECTED)
        assert status_log.saw(DeviceState.ERROR, "poll failed")
        # a stop requested while the PLC is unreachable is kept and written on reconnect
        assert await poller.stop_line() is False
        await eventually(lambda: status_log.saw(DeviceState.DISCONNECTED, "cannot connect"))
        await peer.start()  # the PLC comes back (fresh memory, like a power cycle)
        await peer.set(0, 12, 0, 2, 5)
        await eventually(lambda: poller.status.state == DeviceState.CONNECTED)
        await eventually(lambda: poller._pending_coils == {})
        assert await peer.coils(0, 1) == [True]
        seen = []
        while len(seen) < 2:
            event = await asyncio.wait_for(poller.events.get(), 5)
            if not isinstance(event, ProcessValue):
                seen.append(event)
        parts, after = sorted(seen, key=lambda e: isinstance(e, MachineStateChanged))
        # parts made while the PLC was unreachable are counted once it is back
        assert parts == PartsCounted(2, 2, 12, "press-3")
        assert isinstance(after, MachineStateChanged)
        assert (after.state, after.previous_state, after.reason_code) == ("fault", "running", 5)
    assert poller.running is False
