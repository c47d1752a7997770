"""PLC poll loop cost: CPU seconds per wall second for stations polling at 10 Hz.

A pymodbus TCP server runs in a separate process on a free loopback port, so
the CPU time measured here is the client side only (poller + pymodbus client
+ event emission). Each station polls a part counter, a state and reason code
and four float32 analog points (one merged read request per poll).

    .venv/bin/python bench/plc_poll.py [--seconds 10] [--stations 1,20] [--hz 10]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hardware.config import AnalogPoint, CounterPoint, PlcPoints, StatePoint  # noqa: E402
from hardware.plc.modbus import ModbusPlc  # noqa: E402
from hardware.plc.poller import PlcPoller  # noqa: E402

POINTS = PlcPoints(
    part_counter=CounterPoint(address=0),
    state=StatePoint(address=1, reason_address=2, codes={0: "stopped", 1: "running"}),
    analog=[
        AnalogPoint(name=f"a{i}", unit="degC", address=10 + 2 * i, deadband=0.5) for i in range(4)
    ],
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, ready: multiprocessing.synchronize.Event, stop_after: float) -> None:
    from pymodbus.server import ModbusTcpServer
    from pymodbus.simulator import DataType, SimData, SimDevice

    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)

    async def main() -> None:
        device = SimDevice(
            id=1,
            simdata=(
                [SimData(0, count=16, values=False, datatype=DataType.BITS)],
                [SimData(0, count=16, values=False, datatype=DataType.BITS)],
                [SimData(0, count=64, values=1, datatype=DataType.REGISTERS)],
                [SimData(0, count=16, values=0, datatype=DataType.REGISTERS)],
            ),
        )
        server = ModbusTcpServer(device, address=("127.0.0.1", port))
        await server.serve_forever(background=True)
        ready.set()
        counter = 1
        deadline = time.monotonic() + stop_after
        while time.monotonic() < deadline:  # a machine making parts
            counter += 1
            await server.async_setValues(1, 6, 0, [counter % 65536])
            await asyncio.sleep(0.5)
        await server.shutdown()

    asyncio.run(main())


async def run_stations(port: int, stations: int, hz: float, seconds: float) -> dict[str, float]:
    pollers = [
        PlcPoller(ModbusPlc.tcp(f"station-{i}", "127.0.0.1", port), POINTS, poll_hz=hz)
        for i in range(stations)
    ]
    for poller in pollers:
        poller.start()
    await asyncio.sleep(1.0)  # connect and settle
    polls0 = sum(p.polls for p in pollers)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    polls = sum(p.polls for p in pollers) - polls0
    events = sum(len(p.events.drain()) for p in pollers)
    for poller in pollers:
        await poller.stop()
    return {"cpu": cpu, "wall": wall, "polls": polls, "events": events}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--stations", default="1,20", help="comma-separated station counts")
    parser.add_argument("--hz", type=float, default=10.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    counts = [int(n) for n in args.stations.split(",")]

    port = free_port()
    ready = multiprocessing.Event()
    budget = (args.seconds + 3) * len(counts) + 5
    server = multiprocessing.Process(target=serve, args=(port, ready, budget), daemon=True)
    server.start()
    if not ready.wait(10):
        print("modbus server did not start", file=sys.stderr)
        return 1
    print(f"PLC poll cost at {args.hz:g} Hz, {args.seconds:g} s per run, loopback pymodbus server")
    print(f"{'stations':>8} {'polls/s':>9} {'target':>7} {'CPU s/wall s':>13} "
          f"{'per station':>12} {'stations/core':>14}")  # fmt: skip
    try:
        for n in counts:
            r = asyncio.run(run_stations(port, n, args.hz, args.seconds))
            load = r["cpu"] / r["wall"]
            per_station = load / n
            print(
                f"{n:>8} {r['polls'] / r['wall']:>9.1f} {n * args.hz:>7.0f} {load:>13.4f} "
                f"{per_station:>12.5f} {1 / per_station:>14.0f}"
            )
    finally:
        server.terminate()
        server.join(5)
    print("stations/core = 1 / (CPU s per wall s per station): one core fully busy polling;")
    print("the pymodbus server's own CPU is in another process and not counted.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
