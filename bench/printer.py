"""Ticket throughput: render to ESC/POS, send to a loopback "printer", PNG previews.

A TCP listener on a free loopback port plays the printer (answers DLE EOT
status queries, reads everything). Figures:

- tickets/s rendered to ESC/POS bytes (traveler, 80 mm)
- tickets/s rendered and sent, one TCP connection + status check per ticket
- tickets/s through the crash-safe PrintQueue (fsync per submit and per print)
- PNG preview render time (58 and 80 mm)

    .venv/bin/python bench/printer.py [--tickets 200]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hardware.printers.network import NetworkPrinter  # noqa: E402
from hardware.printers.queue import PrintQueue  # noqa: E402
from hardware.printers.tickets import (  # noqa: E402
    HoldTag,
    Operation,
    Traveler,
    hold_tag_layout,
    render_escpos,
    render_png,
    traveler_layout,
)

TRAVELER = Traveler(
    work_order="WO-1001",
    product="P-100",
    lot_id="LOT-260301-0042",
    quantity=120,
    operations=tuple(Operation(str(10 * i), f"Operation {i}") for i in range(1, 7)),
    current_op="30",
    operator="j.smith",
    printed_at=datetime(2026, 3, 1, 14, 5),
    product_name="Mounting bracket",
)
HOLD = HoldTag("LOT-260301-0042", "Burr on bent edge", "NCR-0042", "m.mueller", datetime.now())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Listener:
    def __init__(self) -> None:
        self.jobs = 0
        self.bytes = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        got = 0
        while chunk := await reader.read(65536):
            got += len(chunk)
            if b"\x10\x04" in chunk:
                writer.write(b"\x12" * chunk.count(b"\x10\x04"))  # online, paper OK
                await writer.drain()
        writer.close()
        self.jobs += 1
        self.bytes += got


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:8.1f} tickets/s  ({seconds / n * 1000:6.2f} ms each)"


async def bench_send(n: int) -> None:
    listener = Listener()
    port = free_port()
    server = await asyncio.start_server(listener.serve, "127.0.0.1", port)
    printer = NetworkPrinter("bench", "127.0.0.1", port)
    lots = [replace(TRAVELER, lot_id=f"LOT-260301-{i:04d}") for i in range(n)]

    start = time.perf_counter()
    for lot in lots:
        await printer.write(render_escpos(traveler_layout(lot, 80)))
    sent = time.perf_counter() - start
    print(f"render + send (TCP, DLE EOT check): {rate(n, sent)}")

    with tempfile.TemporaryDirectory() as tmp:
        queue = PrintQueue(printer, Path(tmp), idle_check_s=None)
        queue.start()
        start = time.perf_counter()
        for lot in lots:
            await queue.print_ticket(lot)
        assert await queue.wait_idle(120)
        queued = time.perf_counter() - start
        await queue.stop()
    print(f"through PrintQueue (fsync'd files):  {rate(n, queued)}")
    server.close()
    await server.wait_closed()
    print(f"listener received {listener.jobs} connections, {listener.bytes / 1024:.0f} KiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    size = len(render_escpos(traveler_layout(TRAVELER, 80)))
    start = time.perf_counter()
    for _ in range(args.tickets):
        render_escpos(traveler_layout(TRAVELER, 80))
    print(f"traveler: {size} bytes of ESC/POS")
    print(f"render to ESC/POS bytes:            {rate(args.tickets, time.perf_counter() - start)}")

    asyncio.run(bench_send(args.tickets))

    for paper in (58, 80):
        for name, lay in (("traveler", traveler_layout(TRAVELER, paper)),
                          ("hold tag", hold_tag_layout(HOLD, paper))):  # fmt: skip
            times = []
            for _ in range(10):
                t0 = time.perf_counter()
                render_png(lay)
                times.append(time.perf_counter() - t0)
            print(
                f"PNG preview {name:8} {paper} mm: median {statistics.median(times) * 1000:6.1f} ms"
                f"  (max {max(times) * 1000:.1f} ms)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
