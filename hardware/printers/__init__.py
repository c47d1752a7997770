"""Receipt printers: the ``Printer.write(bytes)`` seam, one module per transport,
ticket layouts, a crash-safe queue, and a fake.

Importing this package loads neither python-escpos nor Pillow.
"""

from hardware.printers.base import (
    PaperOut,
    Printer,
    PrinterError,
    PrinterMissingLibrary,
    PrinterOffline,
)

__all__ = ["PaperOut", "Printer", "PrinterError", "PrinterMissingLibrary", "PrinterOffline"]
