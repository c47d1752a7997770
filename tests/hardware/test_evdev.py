import asyncio
import errno

import pytest

from hardware.runner import DeviceMissingLibrary, DeviceUnavailable
from hardware.scanners import keymaps
from hardware.scanners.base import GS, Scan
from hardware.scanners.evdev import EvdevDecoder, EvdevScanner
from hardware.status import DeviceState

from .conftest import eventually, fast_backoff

evdev = pytest.importorskip("evdev", reason="evdev is Linux-only")
InputEvent, ecodes = evdev.InputEvent, evdev.ecodes

EV_KEY = ecodes.EV_KEY


def press(code, *, shift=False, ctrl=False, altgr=False, noise=True):
    """Events a HID scanner sends for one key: modifiers, down, (repeat), up, SYN."""
    events = []
    mods = [m for m, on in ((ecodes.KEY_LEFTSHIFT, shift), (ecodes.KEY_LEFTCTRL, ctrl),
                            (ecodes.KEY_RIGHTALT, altgr)) if on]  # fmt: skip
    events += [InputEvent(0, 0, EV_KEY, m, 1) for m in mods]
    events.append(InputEvent(0, 0, ecodes.EV_MSC, ecodes.MSC_SCAN, 0x70004))
    events.append(InputEvent(0, 0, EV_KEY, code, 1))
    if noise:
        events.append(InputEvent(0, 0, EV_KEY, code, 2))  # auto-repeat must not double the char
    events.append(InputEvent(0, 0, EV_KEY, code, 0))
    events += [InputEvent(0, 0, EV_KEY, m, 0) for m in mods]
    events.append(InputEvent(0, 0, ecodes.EV_SYN, ecodes.SYN_REPORT, 0))
    return events


def type_us(text):
    """Key events for ``text`` on a US layout (letters, digits, '-', GS)."""
    events = []
    for ch in text:
        if ch == GS:
            events += press(ecodes.KEY_RIGHTBRACE, ctrl=True)
        elif ch.isdigit():
            events += press(getattr(ecodes, f"KEY_{ch}"))
        elif ch == "-":
            events += press(ecodes.KEY_MINUS)
        else:
            events += press(getattr(ecodes, f"KEY_{ch.upper()}"), shift=ch.isupper())
    return events


ENTER = press(ecodes.KEY_ENTER)


def test_keymap_codes_match_the_kernel_codes():
    for name in dir(keymaps):
        if name.startswith("KEY_"):
            assert getattr(keymaps, name) == getattr(ecodes, name), name


def test_decodes_shifted_letters_digits_and_gs_and_ignores_noise():
    decoder = EvdevDecoder("us", source="scanner-1")
    code = "01" + "04012345678901" + GS + "10Lot-Ab"
    assert decoder.feed(type_us(code)) == []
    assert decoder.feed(ENTER) == [Scan(code, "scanner-1")]


def test_keypad_enter_ends_a_scan_and_split_batches_join():
    decoder = EvdevDecoder()
    events = type_us("LOT-42")
    assert decoder.feed(events[:7]) == []
    assert decoder.feed(events[7:] + press(ecodes.KEY_KPENTER)) == [Scan("LOT-42", "evdev")]


def test_enter_without_characters_is_no_scan():
    assert EvdevDecoder().feed(ENTER + ENTER) == []


def test_german_layout_swaps_y_and_z_and_has_umlauts_and_altgr():
    decoder = EvdevDecoder("de")
    events = (
        press(ecodes.KEY_Y) + press(ecodes.KEY_Z, shift=True) + press(ecodes.KEY_SLASH)
        + press(ecodes.KEY_7, shift=True) + press(ecodes.KEY_Q, altgr=True)
        + press(ecodes.KEY_SEMICOLON) + press(ecodes.KEY_RIGHTBRACE, ctrl=True) + ENTER
    )  # fmt: skip
    assert decoder.feed(events) == [Scan("zY-/@ö" + GS, "evdev")]


def test_same_keys_mean_other_characters_on_us():
    events = press(ecodes.KEY_Y) + press(ecodes.KEY_SLASH) + press(ecodes.KEY_7, shift=True) + ENTER
    assert EvdevDecoder("us").feed(events) == [Scan("y/&", "evdev")]


def test_alt_keypad_code_0029_is_gs():
    events = [InputEvent(0, 0, EV_KEY, ecodes.KEY_LEFTALT, 1)]
    for code in (ecodes.KEY_KP0, ecodes.KEY_KP0, ecodes.KEY_KP2, ecodes.KEY_KP9):
        events += press(code, noise=False)
    events.append(InputEvent(0, 0, EV_KEY, ecodes.KEY_LEFTALT, 0))
    decoder = EvdevDecoder()
    assert decoder.feed(type_us("01") + events + type_us("21") + ENTER) == [
        Scan("01" + GS + "21", "evdev")
    ]


def test_caps_lock_inverts_letters_only():
    events = press(ecodes.KEY_CAPSLOCK) + type_us("ab1") + press(ecodes.KEY_CAPSLOCK) + type_us("c")
    assert EvdevDecoder().feed(events + ENTER) == [Scan("AB1c", "evdev")]


def test_unknown_layout_is_refused():
    with pytest.raises(ValueError, match="us, de"):
        EvdevDecoder("fr")


class FakeInputDevice:
    """The outermost OS boundary: an evdev device whose reads we script."""

    def __init__(self, path, batches):
        self.path = path
        self.batches = list(batches)
        self.grabbed = False
        self.closed = False

    def grab(self):
        self.grabbed = True

    def ungrab(self):
        self.grabbed = False

    def async_read(self):
        future = asyncio.get_running_loop().create_future()
        if not self.batches:
            return future  # nothing more: wait forever, like an idle scanner
        batch = self.batches.pop(0)
        if isinstance(batch, Exception):
            future.set_exception(batch)
        else:
            future.set_result(iter(batch))
        return future

    def close(self):
        self.closed = True


async def test_unplug_closes_reports_and_reopens_the_device(status_log):
    unplug = OSError(errno.ENODEV, "No such device")
    batches = [type_us("LOT-1") + ENTER, type_us("LOT-"), unplug]
    first = FakeInputDevice("/dev/input/event7", batches)
    second = FakeInputDevice("/dev/input/event7", [type_us("LOT-2") + ENTER])
    # first open works; after the unplug the node is not back yet once; then it is
    outcomes = [first, DeviceUnavailable("cannot open /dev/input/event7: No such file"), second]

    def opener(path):
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    scanner = EvdevScanner(
        "scanner-1", "/dev/input/event7", on_status=status_log, backoff=fast_backoff(),
        opener=opener,
    )  # fmt: skip
    async with scanner:
        assert await asyncio.wait_for(scanner.scans.get(), 5) == Scan("LOT-1", "scanner-1")
        assert await asyncio.wait_for(scanner.scans.get(), 5) == Scan("LOT-2", "scanner-1")
        await eventually(lambda: scanner.status.state == DeviceState.CONNECTED)
    assert first.closed and not first.grabbed
    assert not outcomes and second.closed  # reopened after the unplug, released on stop
    assert status_log.saw(DeviceState.ERROR, "partial scan dropped")  # the half-read "LOT-"
    assert status_log.saw(DeviceState.DISCONNECTED, "unplugged")
    states = status_log.states()
    assert states.index(DeviceState.DISCONNECTED) < len(states) - 1
    assert states.count(DeviceState.CONNECTED) >= 2


async def test_grab_is_taken_so_scans_do_not_reach_the_console():
    device = FakeInputDevice("/dev/input/event3", [])
    scanner = EvdevScanner("s", device.path, opener=lambda p: device, backoff=fast_backoff())
    async with scanner:
        await eventually(lambda: device.grabbed)
        assert scanner.status.state == DeviceState.CONNECTED


async def test_missing_evdev_is_reported_not_raised(status_log):
    def opener(path):
        raise DeviceMissingLibrary("evdev is not installed (Linux only)")

    scanner = EvdevScanner("s", "/dev/input/x", opener=opener, on_status=status_log)
    async with scanner:
        await eventually(lambda: status_log.saw(DeviceState.ERROR, "evdev is not installed"))
        await eventually(lambda: not scanner.running)  # gives up: retrying cannot install it
