"""The printer seam: ``await printer.write(ticket_bytes)``; a failure is a PrinterError.

Transports do only this. Queueing, retry and status live in
:mod:`hardware.printers.queue`.
"""

from __future__ import annotations

from typing import Protocol


class PrinterError(Exception):
    """The ticket was not printed."""


class PrinterOffline(PrinterError):
    """Unreachable, switched off, cover open."""


class PaperOut(PrinterError):
    """The printer says its paper roll is empty."""


class PrinterMissingLibrary(PrinterError):
    """The transport needs a library that is not installed (e.g. pyusb)."""


class Printer(Protocol):
    name: str
    #: Set by the last successful write when the printer warned (e.g. "paper low").
    warning: str

    async def write(self, data: bytes) -> None:
        """Send one complete ticket, or raise :class:`PrinterError`."""
        ...

    async def check(self) -> None:
        """Raise :class:`PrinterError` if the printer cannot take a ticket now."""
        ...


# ESC/POS real-time status (DLE EOT n). Every status byte has bits 1 and 4 set, 0 and 7 clear.
DLE_EOT_PRINTER = b"\x10\x04\x01"
DLE_EOT_PAPER = b"\x10\x04\x04"
_FIXED_MASK, _FIXED_BITS = 0x93, 0x12
OFFLINE_BIT = 0x08
PAPER_NEAR_END = 0x0C
PAPER_END = 0x60


def is_status_byte(value: int) -> bool:
    return value & _FIXED_MASK == _FIXED_BITS


def judge_status(printer: int | None, paper: int | None) -> str:
    """Raise for an offline printer or an empty roll; return a warning ("" if none).

    None means the printer did not answer that query: print anyway (many
    printers on a USB-serial bridge never answer).
    """
    if paper is not None and is_status_byte(paper) and paper & PAPER_END == PAPER_END:
        raise PaperOut("out of paper")
    if printer is not None and is_status_byte(printer) and printer & OFFLINE_BIT:
        raise PrinterOffline("printer offline (cover open or paper feed held)")
    if paper is not None and is_status_byte(paper) and paper & PAPER_NEAR_END == PAPER_NEAR_END:
        return "paper low"
    return ""
