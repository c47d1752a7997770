"""Barcode scanners: keyboard wedge (Textual keys), evdev (grabbed HID), serial (CDC/RS-232).

Importing this package loads neither evdev nor pyserial; the transport modules
import them when a device is opened.
"""

from hardware.scanners.base import GS, Scan, Scanner

__all__ = ["GS", "Scan", "Scanner"]
