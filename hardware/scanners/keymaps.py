"""Keyboard layouts for HID scanners read through evdev.

A HID scanner sends key *positions* (Linux key codes), not characters; the
scanner's "keyboard country" setting decides which positions it presses.
The layout here must match that setting. Key codes are the stable Linux ABI
values from ``linux/input-event-codes.h`` (checked against ``evdev.ecodes``
in the tests), so this module needs no evdev import.
"""

from __future__ import annotations

# Modifiers and control keys
KEY_ESC = 1
KEY_BACKSPACE = 14
KEY_TAB = 15
KEY_ENTER = 28
KEY_LEFTCTRL = 29
KEY_LEFTSHIFT = 42
KEY_RIGHTSHIFT = 54
KEY_LEFTALT = 56
KEY_CAPSLOCK = 58
KEY_KPENTER = 96
KEY_RIGHTCTRL = 97
KEY_RIGHTALT = 100  # AltGr on European layouts

# Character keys
KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9, KEY_0 = range(2, 12)
KEY_MINUS, KEY_EQUAL = 12, 13
KEY_Q, KEY_W, KEY_E, KEY_R, KEY_T, KEY_Y, KEY_U, KEY_I, KEY_O, KEY_P = range(16, 26)
KEY_LEFTBRACE, KEY_RIGHTBRACE = 26, 27
KEY_A, KEY_S, KEY_D, KEY_F, KEY_G, KEY_H, KEY_J, KEY_K, KEY_L = range(30, 39)
KEY_SEMICOLON, KEY_APOSTROPHE, KEY_GRAVE = 39, 40, 41
KEY_BACKSLASH = 43
KEY_Z, KEY_X, KEY_C, KEY_V, KEY_B, KEY_N, KEY_M = range(44, 51)
KEY_COMMA, KEY_DOT, KEY_SLASH = 51, 52, 53
KEY_KPASTERISK = 55
KEY_SPACE = 57
KEY_KP7, KEY_KP8, KEY_KP9, KEY_KPMINUS = 71, 72, 73, 74
KEY_KP4, KEY_KP5, KEY_KP6, KEY_KPPLUS = 75, 76, 77, 78
KEY_KP1, KEY_KP2, KEY_KP3, KEY_KP0, KEY_KPDOT = 79, 80, 81, 82, 83
KEY_102ND = 86  # the extra key left of Z on ISO keyboards
KEY_KPSLASH = 98

SHIFT_KEYS = frozenset({KEY_LEFTSHIFT, KEY_RIGHTSHIFT})
CTRL_KEYS = frozenset({KEY_LEFTCTRL, KEY_RIGHTCTRL})
ENTER_KEYS = frozenset({KEY_ENTER, KEY_KPENTER})

KEYPAD_DIGITS: dict[int, str] = {
    KEY_KP0: "0", KEY_KP1: "1", KEY_KP2: "2", KEY_KP3: "3", KEY_KP4: "4",
    KEY_KP5: "5", KEY_KP6: "6", KEY_KP7: "7", KEY_KP8: "8", KEY_KP9: "9",
}  # fmt: skip

_LETTERS: dict[int, str] = {
    KEY_A: "a", KEY_B: "b", KEY_C: "c", KEY_D: "d", KEY_E: "e", KEY_F: "f", KEY_G: "g",
    KEY_H: "h", KEY_I: "i", KEY_J: "j", KEY_K: "k", KEY_L: "l", KEY_M: "m", KEY_N: "n",
    KEY_O: "o", KEY_P: "p", KEY_Q: "q", KEY_R: "r", KEY_S: "s", KEY_T: "t", KEY_U: "u",
    KEY_V: "v", KEY_W: "w", KEY_X: "x", KEY_Y: "y", KEY_Z: "z",
}  # fmt: skip

#: key code -> (plain, shifted, altgr or "")
Layout = dict[int, tuple[str, str, str]]


def _base(digits: str, shifted_digits: str) -> Layout:
    layout: Layout = {code: (ch, ch.upper(), "") for code, ch in _LETTERS.items()}
    for code, plain, shifted in zip(range(KEY_1, KEY_0 + 1), digits, shifted_digits, strict=True):
        layout[code] = (plain, shifted, "")
    layout[KEY_SPACE] = (" ", " ", "")
    keypad = {KEY_KPASTERISK: "*", KEY_KPMINUS: "-", KEY_KPPLUS: "+", KEY_KPSLASH: "/"}
    for code, ch in {**KEYPAD_DIGITS, **keypad}.items():
        layout[code] = (ch, ch, "")  # NumLock assumed on, as scanners expect
    return layout


def _us() -> Layout:
    layout = _base("1234567890", "!@#$%^&*()")
    layout.update({
        KEY_MINUS: ("-", "_", ""), KEY_EQUAL: ("=", "+", ""),
        KEY_LEFTBRACE: ("[", "{", ""), KEY_RIGHTBRACE: ("]", "}", ""),
        KEY_SEMICOLON: (";", ":", ""), KEY_APOSTROPHE: ("'", '"', ""),
        KEY_GRAVE: ("`", "~", ""), KEY_BACKSLASH: ("\\", "|", ""),
        KEY_COMMA: (",", "<", ""), KEY_DOT: (".", ">", ""), KEY_SLASH: ("/", "?", ""),
        KEY_102ND: ("\\", "|", ""), KEY_KPDOT: (".", ".", ""),
    })  # fmt: skip
    return layout


def _de() -> Layout:
    layout = _base("1234567890", '!"§$%&/()=')
    # QWERTZ: Y and Z trade places
    layout[KEY_Y] = ("z", "Z", "")
    layout[KEY_Z] = ("y", "Y", "")
    layout.update({
        KEY_2: ("2", '"', "²"), KEY_3: ("3", "§", "³"), KEY_7: ("7", "/", "{"),
        KEY_8: ("8", "(", "["), KEY_9: ("9", ")", "]"), KEY_0: ("0", "=", "}"),
        KEY_Q: ("q", "Q", "@"), KEY_E: ("e", "E", "€"), KEY_M: ("m", "M", "µ"),
        KEY_MINUS: ("ß", "?", "\\"), KEY_EQUAL: ("´", "`", ""),
        KEY_LEFTBRACE: ("ü", "Ü", ""), KEY_RIGHTBRACE: ("+", "*", "~"),
        KEY_SEMICOLON: ("ö", "Ö", ""), KEY_APOSTROPHE: ("ä", "Ä", ""),
        KEY_GRAVE: ("^", "°", ""), KEY_BACKSLASH: ("#", "'", ""),
        KEY_COMMA: (",", ";", ""), KEY_DOT: (".", ":", ""), KEY_SLASH: ("-", "_", ""),
        KEY_102ND: ("<", ">", "|"), KEY_KPDOT: (",", ",", ""),
    })  # fmt: skip
    return layout


LAYOUTS: dict[str, Layout] = {"us": _us(), "de": _de()}
