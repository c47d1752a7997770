"""A crash-safe print queue: a ticket is on disk before ``submit`` returns.

Layout of the queue directory::

    pending/<id>.job   tickets not yet printed, oldest id first
    printed/<id>.job   the last ``keep_printed`` printed tickets, for reprint
    tmp/               half-written files (removed at start)

Each job file is JSON (id, label, created, base64 ESC/POS bytes), written to
``tmp/``, fsynced, renamed into ``pending/`` and the directory fsynced, so a
power cut leaves either the whole job or none. After the printer took the
bytes the file is renamed into ``printed/``. A crash between the two prints
the ticket again on restart: at-least-once, never lost.

A printer that is off, unreachable or out of paper leaves the ticket pending;
the worker retries with backoff, reports the status ("out of paper: 2
tickets waiting"), and ``retry_now()`` skips the wait when the operator says
the printer is fixed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import logging
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from hardware.backoff import Backoff
from hardware.printers.base import PaperOut, Printer, PrinterError, PrinterMissingLibrary
from hardware.printers.tickets import Ticket, layout, render_escpos
from hardware.status import DeviceState, DeviceStatus, StatusCallback, StatusReporter

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PrintJob:
    id: str
    label: str
    created: datetime
    data: bytes

    def to_json(self) -> str:
        return json.dumps({
            "id": self.id,
            "label": self.label,
            "created": self.created.isoformat(),
            "data": base64.b64encode(self.data).decode("ascii"),
        })  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> PrintJob:
        raw = json.loads(text)
        return cls(
            raw["id"], raw["label"], datetime.fromisoformat(raw["created"]),
            base64.b64decode(raw["data"]),
        )  # fmt: skip


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class PrintQueue:
    kind = "printer"

    def __init__(
        self,
        printer: Printer,
        directory: str | Path,
        *,
        paper_mm: Literal[58, 80] = 80,
        prints: Iterable[str] = ("traveler", "hold_tag"),
        keep_printed: int = 50,
        idle_check_s: float | None = 60.0,
        on_status: StatusCallback | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.printer = printer
        self.name = printer.name
        self.directory = Path(directory)
        self.paper_mm: Literal[58, 80] = paper_mm
        #: The kinds of ticket the station sends here (``traveler``, ``hold_tag``).
        self.prints = frozenset(prints)
        self.keep_printed = keep_printed
        self.idle_check_s = idle_check_s
        self.backoff = backoff or Backoff()
        self.reporter = StatusReporter(self.kind, printer.name, on_status)
        self._pending_dir = self.directory / "pending"
        self._printed_dir = self.directory / "printed"
        self._tmp_dir = self.directory / "tmp"
        for d in (self._pending_dir, self._printed_dir, self._tmp_dir):
            d.mkdir(parents=True, exist_ok=True)
        for leftover in self._tmp_dir.iterdir():
            leftover.unlink(missing_ok=True)  # a crash mid-write: the job was never submitted
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._seq = itertools.count()

    # --- the kiosk's side ---

    @property
    def status(self) -> DeviceStatus:
        return self.reporter.status

    async def submit(self, data: bytes, label: str = "") -> PrintJob:
        """Persist a ticket (returns once it is safely on disk) and wake the worker."""
        now = datetime.now(UTC)
        # sortable: time, then a counter for submits within the same microsecond
        job_id = f"{now:%Y%m%dT%H%M%S%f}-{next(self._seq):06d}-{uuid.uuid4().hex[:6]}"
        job = PrintJob(job_id, label, now, data)
        await asyncio.to_thread(self._persist, job)
        self._idle.clear()
        self._wake.set()
        return job

    async def print_ticket(self, ticket: Ticket) -> PrintJob:
        """Render a traveler or hold tag for this printer's paper and queue it."""
        lay = layout(ticket, self.paper_mm)
        return await self.submit(render_escpos(lay), lay.label)

    def pending(self) -> list[PrintJob]:
        """Tickets waiting to print, oldest first."""
        return self._load(self._pending_dir)

    def printed(self, last: int = 10) -> list[PrintJob]:
        """The most recently printed tickets, newest first."""
        return list(reversed(self._load(self._printed_dir)))[:last]

    async def reprint(self, job_id: str | None = None, *, last: int = 1) -> list[PrintJob]:
        """Queue copies of printed ticket ``job_id``, or of the ``last`` N printed tickets."""
        printed = self.printed(self.keep_printed)
        chosen = [j for j in printed if j.id == job_id] if job_id else printed[:last]
        if job_id and not chosen:
            kept = self.keep_printed
            raise KeyError(f"no printed ticket {job_id!r} (only the last {kept} are kept)")
        return [await self.submit(j.data, f"reprint {j.label}".strip()) for j in reversed(chosen)]

    def retry_now(self) -> None:
        self._wake.set()

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is pending; False on timeout."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"printer:{self.name}"
            )

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.reporter.disconnected("stopped")

    async def __aenter__(self) -> PrintQueue:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- the worker ---

    async def _run(self) -> None:
        await self._check_idle()
        while True:
            jobs = await asyncio.to_thread(self.pending)
            if not jobs:
                self._idle.set()
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.idle_check_s)
                except TimeoutError:
                    await self._check_idle()
                continue
            self._idle.clear()
            if await self._print(jobs[0], waiting=len(jobs)):
                self.backoff.reset()
            else:
                self._wake.clear()
                await self.backoff.sleep(self._wake)

    async def _print(self, job: PrintJob, waiting: int) -> bool:
        queued = f"{waiting} ticket{'s' if waiting != 1 else ''} waiting"
        try:
            await self.printer.write(job.data)
        except PaperOut as exc:
            self.reporter.error(f"{exc}: {queued}")
            return False
        except PrinterMissingLibrary as exc:
            self.reporter.error(f"{exc}: {queued}")
            return False
        except PrinterError as exc:
            self.reporter.disconnected(f"{exc}: {queued}")
            return False
        except Exception as exc:  # a bug in a transport must not stop the queue
            log.exception("printer %s: unexpected failure", self.name)
            self.reporter.error(f"{type(exc).__name__}: {exc}: {queued}")
            return False
        await asyncio.to_thread(self._mark_printed, job)
        self.reporter.connected(self.printer.warning or f"printed {job.label or job.id}")
        return True

    async def _check_idle(self) -> None:
        try:
            await self.printer.check()
        except PaperOut as exc:
            self.reporter.error(str(exc))
        except PrinterError as exc:
            self.reporter.disconnected(str(exc))
        except Exception as exc:
            log.exception("printer %s: check failed", self.name)
            self.reporter.error(f"{type(exc).__name__}: {exc}")
        else:
            if self.reporter.status.state != DeviceState.CONNECTED or self.printer.warning:
                self.reporter.connected(self.printer.warning or "ready")

    # --- files ---

    def _persist(self, job: PrintJob) -> None:
        tmp = self._tmp_dir / f"{job.id}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(job.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._pending_dir / f"{job.id}.job")
        _fsync_dir(self._pending_dir)

    def _mark_printed(self, job: PrintJob) -> None:
        source = self._pending_dir / f"{job.id}.job"
        if source.exists():
            os.replace(source, self._printed_dir / f"{job.id}.job")
            _fsync_dir(self._pending_dir)
            _fsync_dir(self._printed_dir)
        for old in sorted(self._printed_dir.glob("*.job"))[: -self.keep_printed or None]:
            old.unlink(missing_ok=True)

    def _load(self, directory: Path) -> list[PrintJob]:
        jobs = []
        for path in sorted(directory.glob("*.job")):
            try:
                jobs.append(PrintJob.from_json(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError) as exc:
                # a corrupt job must not block the queue: park it for a person to look at
                log.error("print job %s unreadable (%s): moved aside", path.name, exc)
                with contextlib.suppress(OSError):
                    os.replace(path, path.with_suffix(".corrupt"))
        return jobs
