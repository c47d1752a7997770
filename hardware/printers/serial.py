"""Serial receipt printers through ``escpos.printer.Serial`` (pyserial underneath)."""

from __future__ import annotations

from typing import Any

from hardware.printers.escpos_thread import EscposThreadPrinter


class SerialPrinter(EscposThreadPrinter):
    def __init__(
        self,
        name: str,
        port: str,
        *,
        baudrate: int = 19200,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: int = 1,
        timeout_s: float = 1.0,
        status_check: bool = True,
    ) -> None:
        def make() -> Any:
            from escpos.printer import Serial

            return Serial(
                devfile=port,
                baudrate=baudrate,
                bytesize=bytesize,
                parity=parity,
                stopbits=stopbits,
                timeout=timeout_s,
            )

        super().__init__(name, make, where=port, status_check=status_check)

    def _query(self, printer: Any, query: bytes) -> int | None:
        # escpos' query_status reads 16 bytes and so always waits the full timeout;
        # a status answer is one byte
        printer._raw(query)
        answer = printer.device.read(1)
        return answer[0] if answer else None
