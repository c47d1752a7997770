"""The barcode grammar: what a scan at the line means.

``classify(raw)`` turns whatever a scanner (or a keyboard) produced into a typed
value — a badge, a work order, a lot, a serial, a defect code, a command — or a
``ScanError`` saying plainly what is wrong. It never raises.

Defaults follow the lineside convention (``EMP…`` badges, ``WO-…`` work
orders, ``LOT-…`` lots, ``SN-…`` serials, ``DEF-…`` defect codes, ``#DONE``
style commands); a plant overrides the patterns in its plant file. GS1
element strings (GS1-128, GS1 DataMatrix) are parsed with biip, with or
without a symbology identifier (``]C1``, ``]d2``) and GS separators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

GS = "\x1d"

COMMANDS: tuple[str, ...] = ("DONE", "CANCEL", "LOGOUT", "HOLD", "SKIP", "CONFIRM", "TRACE")
CommandName = Literal["DONE", "CANCEL", "LOGOUT", "HOLD", "SKIP", "CONFIRM", "TRACE"]


@dataclass(frozen=True, slots=True)
class Badge:
    badge: str
    kind: Literal["badge"] = "badge"


@dataclass(frozen=True, slots=True)
class WorkOrderCode:
    number: str
    kind: Literal["work_order"] = "work_order"


@dataclass(frozen=True, slots=True)
class LotCode:
    """A lot, from a plain ``LOT-…`` code or from GS1 AI (10) with its companions."""

    lot: str
    gtin: str | None = None  # AI 01
    expiry: date | None = None  # AI 17
    serial: str | None = None  # AI 21
    quantity: str | None = None  # AI 30 (variable count), kept as printed
    count: str | None = None  # AI 37 (count of trade items), kept as printed
    gs1: bool = False
    kind: Literal["lot"] = "lot"


@dataclass(frozen=True, slots=True)
class SerialCode:
    serial: str
    gtin: str | None = None
    gs1: bool = False
    kind: Literal["serial"] = "serial"


@dataclass(frozen=True, slots=True)
class DefectCodeScan:
    code: str
    kind: Literal["defect"] = "defect"


@dataclass(frozen=True, slots=True)
class Command:
    name: CommandName
    kind: Literal["command"] = "command"


ScanErrorKind = Literal["empty", "unknown", "bad_gtin", "bad_date", "bad_gs1", "too_long"]


@dataclass(frozen=True, slots=True)
class ScanError:
    """A scan that means nothing here; ``message`` is shown to the operator as is."""

    raw: str
    error: ScanErrorKind
    message: str
    kind: Literal["error"] = "error"


Scan = Badge | WorkOrderCode | LotCode | SerialCode | DefectCodeScan | Command | ScanError


@dataclass(frozen=True, slots=True)
class BarcodeGrammar:
    """Regular expressions for each kind of code; each must match the whole scan."""

    badge: str = r"EMP\d{1,10}"
    work_order: str = r"WO-[A-Z0-9][A-Z0-9\-]{0,30}"
    lot: str = r"LOT-[A-Z0-9][A-Z0-9\-\.]{0,40}"
    serial: str = r"SN-[A-Z0-9][A-Z0-9\-]{0,40}"
    defect: str = r"DEF-[A-Z0-9][A-Z0-9\-]{0,30}"
    command_prefix: str = "#"
    max_length: int = 200
    _compiled: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("badge", "work_order", "lot", "serial", "defect"):
            pattern = getattr(self, name)
            try:
                self._compiled[name] = re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"barcode pattern for {name} is not a valid regex: {exc}") from exc

    def matches(self, name: str, value: str) -> bool:
        return self._compiled[name].fullmatch(value) is not None


DEFAULT_GRAMMAR = BarcodeGrammar()

_SYMBOLOGY_PREFIXES = ("]C1", "]d2", "]Q3", "]e0", "]J1")


def _strip_symbology(raw: str) -> tuple[str, bool]:
    for prefix in _SYMBOLOGY_PREFIXES:
        if raw.startswith(prefix):
            return raw[len(prefix) :], True
    return raw, False


def _looks_gs1(body: str, had_prefix: bool) -> bool:
    # Without a symbology prefix only digit-led strings that start with an AI
    # we use are taken as GS1, so a typo like "10" is not silently a lot.
    if had_prefix:
        return True
    return bool(re.match(r"(01|02|10|17|21|30|37)\d", body)) and body[:2].isdigit()


def _classify_gs1(raw: str, body: str) -> Scan:
    try:
        import biip
    except ImportError:  # pragma: no cover - biip is a hard dependency
        return ScanError(raw, "bad_gs1", "GS1 barcodes cannot be read on this terminal.")
    try:
        result = biip.parse(body)
    except Exception as exc:  # biip raises for some malformed inputs
        return ScanError(raw, "bad_gs1", f"Unreadable GS1 barcode: {exc}")
    message = result.gs1_message
    if message is None:
        reason = result.gs1_message_error or "not a GS1 element string"
        for ai, what in (("17", "expiry"), ("11", "production"), ("15", "best-before")):
            if f"AI ({ai})" in reason:
                return ScanError(
                    raw,
                    "bad_date",
                    f"GS1 {what} date (AI {ai}) is not a real date: check the label.",
                )
        return ScanError(raw, "bad_gs1", f"Unreadable GS1 barcode: {reason}")
    fields: dict[str, str] = {}
    gtin: str | None = None
    expiry: date | None = None
    for element in message.element_strings:
        ai = element.ai.ai
        if ai in ("01", "02"):
            if element.gtin_error:
                return ScanError(
                    raw,
                    "bad_gtin",
                    f"GTIN check digit is wrong ({element.value}): rescan the label.",
                )
            gtin = element.value
        elif ai == "17":
            if element.date is None:
                return ScanError(raw, "bad_date", f"GS1 expiry date {element.value} is not a date.")
            expiry = element.date
        fields.setdefault(ai, element.value)
    if "10" in fields:
        return LotCode(
            lot=fields["10"],
            gtin=gtin,
            expiry=expiry,
            serial=fields.get("21"),
            quantity=fields.get("30"),
            count=fields.get("37"),
            gs1=True,
        )
    if "21" in fields:
        return SerialCode(serial=fields["21"], gtin=gtin, gs1=True)
    ais = ", ".join(f"({ai})" for ai in fields)
    return ScanError(
        raw,
        "unknown",
        f"GS1 barcode has no lot (10) or serial (21), only {ais}: scan the lot label.",
    )


def classify(raw: str, grammar: BarcodeGrammar = DEFAULT_GRAMMAR) -> Scan:
    """Say what ``raw`` is. Never raises: problems come back as ``ScanError``."""
    if not isinstance(raw, str):
        return ScanError(repr(raw), "unknown", "Scan was not text.")
    text = raw.strip("\r\n\t ")
    if not text:
        return ScanError(raw, "empty", "Nothing was scanned.")
    if len(text) > grammar.max_length:
        return ScanError(text[:40] + "…", "too_long", "Barcode is too long to be a lineside code.")
    if text.startswith(grammar.command_prefix):
        name = text[len(grammar.command_prefix) :].upper()
        if name in COMMANDS:
            return Command(name)  # type: ignore[arg-type]
        return ScanError(text, "unknown", f"Unknown command barcode {text}.")
    body, had_prefix = _strip_symbology(text)
    if had_prefix or _looks_gs1(body, had_prefix) or (GS in body and body[:2].isdigit()):
        return _classify_gs1(text, body)
    upper = body.upper()
    if grammar.matches("badge", upper):
        return Badge(upper)
    if grammar.matches("work_order", upper):
        return WorkOrderCode(upper)
    if grammar.matches("lot", upper):
        return LotCode(lot=upper)
    if grammar.matches("serial", upper):
        return SerialCode(serial=upper)
    if grammar.matches("defect", upper):
        return DefectCodeScan(upper)
    printable = "".join(ch if ch.isprintable() else "?" for ch in text)
    return ScanError(
        printable,
        "unknown",
        f"Unknown barcode {printable!r}: not a badge, order, lot, serial or defect code.",
    )
