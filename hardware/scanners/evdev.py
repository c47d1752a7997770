"""HID scanners read straight from /dev/input through evdev.

:class:`EvdevDecoder` is pure: lists of ``evdev.InputEvent`` in, scans out.
It acts on key-down (value 1), tracks Shift/Ctrl/AltGr/CapsLock, turns
Ctrl+] into GS, ends a scan at Enter or keypad Enter, understands Alt+keypad
codes (Alt+0029 = GS, which some scanners send), and ignores key-up and
auto-repeat noise.

:class:`EvdevScanner` opens the device, grabs it exclusively (else every scan
also lands on the console as keystrokes) and reads events on the event loop.
When the scanner is unplugged the read raises ``OSError`` errno 19 (ENODEV):
the scanner closes, reports "disconnected" and reopens with backoff. evdev is
imported only when the device is opened; without it (not Linux) the scanner
reports an error instead of crashing.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from hardware.backoff import Backoff
from hardware.feed import Feed
from hardware.runner import DeviceMissingLibrary, DeviceUnavailable, ReconnectingDevice
from hardware.scanners import keymaps as k
from hardware.scanners.base import GS, Scan
from hardware.status import StatusCallback

EV_KEY = 1
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2


class KeyEvent(Protocol):
    type: int
    code: int
    value: int


class EvdevDecoder:
    def __init__(self, layout: str = "us", source: str = "evdev") -> None:
        if layout not in k.LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}; one of {', '.join(k.LAYOUTS)}")
        self.layout = k.LAYOUTS[layout]
        self.source = source
        self.reset()

    def reset(self) -> None:
        """Forget a half-read scan and all modifier state (device reopened)."""
        self._buf: list[str] = []
        self._shift: set[int] = set()
        self._ctrl: set[int] = set()
        self._altgr = False
        self._alt = False
        self._alt_digits = ""
        self._caps = False

    @property
    def pending(self) -> str:
        return "".join(self._buf)

    def feed(self, events: Iterable[KeyEvent]) -> list[Scan]:
        scans: list[Scan] = []
        for event in events:
            if event.type != EV_KEY:
                continue  # EV_SYN, EV_MSC scan codes, LEDs
            scan = self._key(event.code, event.value)
            if scan is not None:
                scans.append(scan)
        return scans

    def _key(self, code: int, value: int) -> Scan | None:
        if code in k.SHIFT_KEYS:
            (self._shift.add if value else self._shift.discard)(code)
            return None
        if code in k.CTRL_KEYS:
            (self._ctrl.add if value else self._ctrl.discard)(code)
            return None
        if code == k.KEY_RIGHTALT:
            self._altgr = bool(value)
            return None
        if code == k.KEY_LEFTALT:
            self._alt = bool(value)
            if not value and self._alt_digits:
                self._buf.append(_alt_code(self._alt_digits))
                self._alt_digits = ""
            return None
        if value != KEY_DOWN:
            return None  # key-up and auto-repeat
        if code == k.KEY_CAPSLOCK:
            self._caps = not self._caps
            return None
        if code in k.ENTER_KEYS:
            if not self._buf:
                return None
            code_text, self._buf = "".join(self._buf), []
            return Scan(code_text, self.source)
        if self._alt and code in k.KEYPAD_DIGITS:
            self._alt_digits += k.KEYPAD_DIGITS[code]
            return None
        if self._ctrl:
            char = self._control_char(code)
            if char:
                self._buf.append(char)
            return None
        self._buf.append(self._char(code))
        return None

    def _char(self, code: int) -> str:
        plain, shifted, altgr = self.layout.get(code, ("", "", ""))
        if self._altgr:
            return altgr
        upper = bool(self._shift)
        if self._caps and plain.isalpha():
            upper = not upper
        return shifted if upper else plain

    def _control_char(self, code: int) -> str:
        if code == k.KEY_RIGHTBRACE:
            return GS  # Ctrl+] is how scanners type FNC1/GS, whatever the layout
        char = self._char(code).upper()
        if len(char) == 1 and "@" <= char <= "_":
            return chr(ord(char) - 64)  # Ctrl+^ = RS, Ctrl+D = EOT (ISO 15434)
        return ""


def _alt_code(digits: str) -> str:
    value = int(digits) % 256
    if value < 128:
        return chr(value)
    # Windows convention: a leading 0 means the ANSI code page, otherwise the OEM one
    return bytes([value]).decode("cp1252" if digits.startswith("0") else "cp437", "replace")


class InputDeviceLike(Protocol):
    def grab(self) -> None: ...

    def ungrab(self) -> None: ...

    def async_read(self) -> Any: ...

    def close(self) -> None: ...


def _open_input_device(path: str) -> InputDeviceLike:
    try:
        import evdev
    except ImportError as exc:
        raise DeviceMissingLibrary("evdev is not installed (Linux only)") from exc
    try:
        device: InputDeviceLike = evdev.InputDevice(path)
        return device
    except OSError as exc:
        raise DeviceUnavailable(f"cannot open {path}: {exc.strerror or exc}") from exc


class EvdevScanner(ReconnectingDevice):
    kind = "scanner"

    def __init__(
        self,
        name: str,
        path: str,
        *,
        layout: str = "us",
        grab: bool = True,
        on_status: StatusCallback | None = None,
        on_scan: Callable[[Scan], None] | None = None,
        backoff: Backoff | None = None,
        opener: Callable[[str], InputDeviceLike] = _open_input_device,
    ) -> None:
        super().__init__(name, on_status=on_status, backoff=backoff)
        self.path = path
        self.grab = grab
        self.decoder = EvdevDecoder(layout, source=name)
        self.scans: Feed[Scan] = Feed(on_item=on_scan)
        self._open = opener
        self._device: InputDeviceLike | None = None

    async def _session(self) -> None:
        device = self._open(self.path)
        self._device = device
        if self.grab:
            try:
                device.grab()
            except OSError as exc:  # EBUSY: another program holds it
                raise DeviceUnavailable(f"cannot grab {self.path}: {exc.strerror or exc}") from exc
        self.decoder.reset()
        self.reporter.connected(self.path)
        self.backoff.reset()
        while True:
            try:
                # evdev's read() is a generator: the unplug error surfaces while iterating
                events = list(await device.async_read())
            except BlockingIOError:
                continue  # woken without events
            except OSError as exc:
                if exc.errno == errno.ENODEV:
                    raise DeviceUnavailable(f"{self.path} unplugged") from exc
                raise DeviceUnavailable(f"{self.path}: {exc.strerror or exc}") from exc
            for scan in self.decoder.feed(events):
                self.scans.emit(scan)

    def _release(self) -> None:
        device, self._device = self._device, None
        if device is None:
            return
        if self.decoder.pending:
            self.reporter.error(f"partial scan dropped ({len(self.decoder.pending)} chars)")
        self.decoder.reset()
        for close in (device.ungrab, device.close) if self.grab else (device.close,):
            try:
                close()
            except OSError:
                pass  # already gone
