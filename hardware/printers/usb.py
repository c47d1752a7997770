"""USB printer-class devices through ``escpos.printer.Usb`` (needs pyusb + libusb).

On Linux the usblp kernel driver usually claims the printer and offers
``/dev/usb/lp0`` -- the "file" transport, which needs no extra library. Use
this one where usblp is blacklisted or the printer is not a USB printer class
device. Without pyusb every ticket stays queued and the status says why.
"""

from __future__ import annotations

from typing import Any

from hardware.printers.base import PrinterMissingLibrary
from hardware.printers.escpos_thread import EscposThreadPrinter


class UsbPrinter(EscposThreadPrinter):
    def __init__(
        self,
        name: str,
        vendor_id: int,
        product_id: int,
        *,
        in_ep: int | None = None,
        out_ep: int | None = None,
        timeout_s: float = 5.0,
        status_check: bool = True,
    ) -> None:
        def make() -> Any:
            from escpos.printer import Usb

            if not Usb.is_usable():
                raise PrinterMissingLibrary(
                    "USB printing needs pyusb (pip install 'python-escpos[usb]') and libusb"
                )
            endpoints = {k: v for k, v in (("in_ep", in_ep), ("out_ep", out_ep)) if v is not None}
            return Usb(
                vendor_id,
                product_id,
                timeout=int(timeout_s * 1000),
                **endpoints,
            )

        where = f"USB {vendor_id:04x}:{product_id:04x}"
        super().__init__(name, make, where=where, status_check=status_check)
