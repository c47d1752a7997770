"""Modbus RTU: a pymodbus serial server and our client on two pty pairs joined by a relay."""

import asyncio
import contextlib
import logging
import os
import tty

from pymodbus.server import ModbusSerialServer
from pymodbus.simulator import DataType, SimData, SimDevice

from hardware.config import CounterPoint, PlcPoints, StatePoint
from hardware.plc.base import MachineStateChanged
from hardware.plc.modbus import ModbusPlc
from hardware.plc.poller import PlcPoller
from hardware.status import DeviceState

from .conftest import eventually, fast_backoff


def pty_pair():
    master, slave = os.openpty()
    for fd in (master, slave):
        tty.setraw(fd)
    os.set_blocking(master, False)
    return master, slave, os.ttyname(slave)


async def relay(a: int, b: int) -> None:
    """A null-modem cable between two pty masters."""
    while True:
        for src, dst in ((a, b), (b, a)):
            with contextlib.suppress(BlockingIOError):
                data = os.read(src, 4096)
                if data:
                    os.write(dst, data)
        await asyncio.sleep(0.002)


async def test_rtu_poller_reads_state_and_writes_the_stop_coil(status_log):
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    host_master, host_slave, host_path = pty_pair()
    plc_master, plc_slave, plc_path = pty_pair()
    cable = asyncio.create_task(relay(host_master, plc_master))
    device = SimDevice(
        id=7,
        simdata=(
            [SimData(0, count=16, values=False, datatype=DataType.BITS)],
            [SimData(0, count=16, values=False, datatype=DataType.BITS)],
            [SimData(0, count=16, values=[42, 1, 0, 0], datatype=DataType.REGISTERS)],
            [SimData(0, count=16, values=0, datatype=DataType.REGISTERS)],
        ),
    )
    server = ModbusSerialServer(device, port=plc_path, baudrate=19200)
    await server.serve_forever(background=True)
    points = PlcPoints(
        part_counter=CounterPoint(address=0),
        state=StatePoint(address=1, codes={1: "running"}),
        stop_coil=3,
    )
    # parity "N": Linux ptys refuse PARENB together with a read timeout (EINVAL)
    plc = ModbusPlc.rtu(
        "rtu-press", host_path, baudrate=19200, parity="N", device_id=7, timeout=0.5
    )
    poller = PlcPoller(plc, points, poll_hz=20, on_status=status_log, backoff=fast_backoff())
    try:
        async with poller:
            event = await asyncio.wait_for(poller.events.get(), 5)
            assert isinstance(event, MachineStateChanged) and event.state == "running"
            assert await poller.stop_line() is True
            assert (await server.async_getValues(7, 1, 3, 1))[0] is True
            await eventually(lambda: poller.status.state == DeviceState.CONNECTED)
    finally:
        await server.shutdown()
        cable.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await cable
        for fd in (host_master, host_slave, plc_master, plc_slave):
            os.close(fd)
