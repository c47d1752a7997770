"""Printers against real peers: a TCP listener on a free port, a pty, a file."""

import asyncio
import os
from pathlib import Path

import pytest

from hardware.printers.base import PaperOut, PrinterOffline, judge_status
from hardware.printers.fake import FakePrinter
from hardware.printers.file import FilePrinter
from hardware.printers.network import NetworkPrinter
from hardware.printers.queue import PrintQueue
from hardware.printers.serial import SerialPrinter
from hardware.status import DeviceState

from .conftest import eventually, fast_backoff, free_port
from .test_tickets import GS_K_CODE128, GS_QR, HOLD, LOT, TRAVELER

ONLINE, PAPER_OK, PAPER_OUT, PAPER_LOW = 0x12, 0x12, 0x72, 0x1E


class PrinterPeer:
    """A TCP 9100 listener that behaves like a receipt printer: answers DLE EOT
    status queries and keeps every job's bytes."""

    def __init__(self, port: int, *, paper: int = PAPER_OK, hang_up: bool = False) -> None:
        self.port = port
        self.paper = paper
        self.hang_up = hang_up
        self.jobs: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> "PrinterPeer":
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.hang_up:
            writer.close()
            return
        received = b""
        answered = 0
        while chunk := await reader.read(4096):
            received += chunk
            while (at := received.find(b"\x10\x04", answered)) >= 0 and at + 2 < len(received):
                query = received[at + 2]
                writer.write(bytes([self.paper if query == 4 else ONLINE]))
                await writer.drain()
                answered = at + 3
        writer.close()
        job = received.replace(b"\x10\x04\x01", b"").replace(b"\x10\x04\x04", b"")
        if job:
            self.jobs.append(job)


@pytest.fixture
async def printer_peer():
    peer = await PrinterPeer(free_port()).start()
    yield peer
    await peer.stop()


def queue_for(printer, tmp_path, status_log, **kwargs):
    kwargs.setdefault("idle_check_s", None)
    return PrintQueue(
        printer, tmp_path / "queue", on_status=status_log, backoff=fast_backoff(), **kwargs
    )


async def test_traveler_reaches_the_network_printer_with_qr_and_barcode(
    printer_peer, tmp_path, status_log
):
    printer = NetworkPrinter("printer-1", "127.0.0.1", printer_peer.port)
    async with queue_for(printer, tmp_path, status_log, paper_mm=58) as queue:
        job = await queue.print_ticket(TRAVELER)
        assert await queue.wait_idle(5)
    (received,) = printer_peer.jobs
    assert GS_QR in received and GS_K_CODE128 in received and LOT.encode() in received
    assert job.label == f"traveler {LOT}"
    assert queue.pending() == [] and [j.id for j in queue.printed()] == [job.id]
    assert status_log.saw(DeviceState.CONNECTED, f"printed traveler {LOT}")


async def test_unreachable_printer_keeps_the_ticket_until_it_comes_back(tmp_path, status_log):
    port = free_port()  # nothing listens yet: connection refused
    printer = NetworkPrinter("printer-1", "127.0.0.1", port, timeout_s=1)
    async with queue_for(printer, tmp_path, status_log) as queue:
        await queue.print_ticket(HOLD)
        await eventually(lambda: status_log.saw(DeviceState.DISCONNECTED, "1 ticket waiting"))
        assert len(queue.pending()) == 1
        peer = await PrinterPeer(port).start()
        try:
            queue.retry_now()
            assert await queue.wait_idle(5)
        finally:
            await peer.stop()
    assert len(peer.jobs) == 1 and b"NCR-0042" in peer.jobs[0]
    assert queue.status.state == DeviceState.DISCONNECTED  # stopped
    assert status_log.states()[-2] == DeviceState.CONNECTED


async def test_listener_that_hangs_up_leaves_the_ticket_queued(tmp_path, status_log):
    port = free_port()
    rude = await PrinterPeer(port, hang_up=True).start()
    printer = NetworkPrinter("printer-1", "127.0.0.1", port, timeout_s=1)
    try:
        async with queue_for(printer, tmp_path, status_log) as queue:
            await queue.print_ticket(TRAVELER)
            # "closed the connection" or "connection reset", depending on timing
            await eventually(lambda: status_log.saw(DeviceState.DISCONNECTED, "1 ticket waiting"))
            assert len(queue.pending()) == 1
            await rude.stop()
            polite = await PrinterPeer(port).start()
            queue.retry_now()
            assert await queue.wait_idle(5)
            await polite.stop()
    finally:
        await rude.stop()
    assert len(polite.jobs) == 1


async def test_out_of_paper_is_an_error_and_the_ticket_waits(tmp_path, status_log):
    port = free_port()
    peer = await PrinterPeer(port, paper=PAPER_OUT).start()
    printer = NetworkPrinter("printer-1", "127.0.0.1", port)
    try:
        async with queue_for(printer, tmp_path, status_log) as queue:
            await queue.print_ticket(TRAVELER)
            await eventually(lambda: status_log.saw(DeviceState.ERROR, "out of paper"))
            assert peer.jobs == [] and len(queue.pending()) == 1
            peer.paper = PAPER_LOW  # roll replaced with a nearly empty one
            queue.retry_now()
            assert await queue.wait_idle(5)
    finally:
        await peer.stop()
    assert len(peer.jobs) == 1
    assert status_log.saw(DeviceState.CONNECTED, "paper low")


async def test_pending_tickets_survive_a_restart_and_print_in_order(tmp_path, status_log):
    printer = FakePrinter()
    printer.online = False
    first = queue_for(printer, tmp_path, status_log)
    a = await first.submit(b"ticket-a", "a")
    b = await first.submit(b"ticket-b", "b")
    # a crash mid-submit leaves a temp file; a corrupt job must not block the queue
    (tmp_path / "queue" / "tmp" / "half.tmp").write_text("{")
    (tmp_path / "queue" / "pending" / "00000000-bad.job").write_text("not json")
    printer.online = True
    async with queue_for(printer, tmp_path, status_log) as second:  # the kiosk restarted
        assert not (tmp_path / "queue" / "tmp" / "half.tmp").exists()
        assert await second.wait_idle(5)
    assert printer.received == [b"ticket-a", b"ticket-b"]
    assert [j.id for j in second.printed()] == [b.id, a.id]
    assert (tmp_path / "queue" / "pending" / "00000000-bad.corrupt").exists()


async def test_reprint_last_tickets_and_keep_only_n_printed(tmp_path, status_log):
    printer = FakePrinter()
    async with queue_for(printer, tmp_path, status_log, keep_printed=3) as queue:
        for i in range(5):
            await queue.submit(f"t{i}".encode(), f"t{i}")
        assert await queue.wait_idle(5)
        assert [j.label for j in queue.printed(10)] == ["t4", "t3", "t2"]
        copies = await queue.reprint(last=2)
        assert await queue.wait_idle(5)
        with pytest.raises(KeyError):
            await queue.reprint("no-such-job")
    assert [c.label for c in copies] == ["reprint t3", "reprint t4"]
    assert printer.received[-2:] == [b"t3", b"t4"]


async def test_idle_check_reports_a_printer_that_is_off(tmp_path, status_log):
    printer = FakePrinter()
    printer.online = False
    async with queue_for(printer, tmp_path, status_log, idle_check_s=0.05):
        await eventually(lambda: status_log.saw(DeviceState.DISCONNECTED, "switched off"))
        printer.online = True
        await eventually(lambda: status_log.saw(DeviceState.CONNECTED, "ready"))


async def test_file_printer_appends_and_never_creates_a_device_node(tmp_path):
    path = tmp_path / "lp0"
    printer = FilePrinter("printer-1", str(path))
    await printer.write(b"one")
    await printer.write(b"two")
    assert path.read_bytes() == b"onetwo"
    missing = FilePrinter("printer-2", "/dev/usb/lp-lineside-test")
    with pytest.raises(PrinterOffline, match="cannot open"):
        await missing.write(b"x")
    assert not Path("/dev/usb/lp-lineside-test").exists()


async def test_serial_printer_over_a_pty_answers_status_and_gets_the_ticket(serial_device):
    printer = SerialPrinter("printer-1", serial_device.path, baudrate=19200, timeout_s=2)
    write = asyncio.create_task(printer.write(b"\x1b@TICKET\n"))
    assert await serial_device.read(3) == b"\x10\x04\x01"
    serial_device.write(bytes([ONLINE]))
    assert await serial_device.read(3) == b"\x10\x04\x04"
    serial_device.write(bytes([PAPER_OK]))
    assert await serial_device.read(9) == b"\x1b@TICKET\n"
    await asyncio.wait_for(write, 5)


async def test_serial_printer_that_is_gone_is_offline(tmp_path):
    printer = SerialPrinter("printer-1", str(tmp_path / "ttyNOPE"))
    with pytest.raises(PrinterOffline):
        await printer.write(b"x")


@pytest.mark.parametrize(
    ("printer", "paper", "result"),
    [
        (ONLINE, PAPER_OK, ""),
        (ONLINE, PAPER_LOW, "paper low"),
        (None, None, ""),  # printer never answers: print anyway
        (0x00, 0x00, ""),  # not a status byte: ignored
        (ONLINE, PAPER_OUT, PaperOut),
        (ONLINE | 0x08, PAPER_OK, PrinterOffline),
    ],
)
def test_judge_status(printer, paper, result):
    if isinstance(result, str):
        assert judge_status(printer, paper) == result
    else:
        with pytest.raises(result):
            judge_status(printer, paper)


def test_queue_files_are_plain_json(tmp_path):
    queue = PrintQueue(FakePrinter(), tmp_path / "q", idle_check_s=None)
    job = asyncio.run(queue.submit(b"\x1b@x", "label"))
    (path,) = (tmp_path / "q" / "pending").glob("*.job")
    assert path.name == f"{job.id}.job"
    assert '"label": "label"' in path.read_text()
    assert os.stat(path).st_size < 200
