"""Gauge frame parsers: one frame (bytes, terminator optional) -> :class:`GaugeReading`.

Pure functions; the serial reader cuts the stream into frames first. Each
takes ``unit``, the configured unit, used only when the frame carries none.
Anything that is not a frame of the protocol raises :class:`FrameError`.

Formats (see docs/hardware.md for examples):

``mitutoyo-digimatic``
    The line a Digimatic-to-RS-232 interface (DP-1VR, MUX-10, USB-ITN style)
    sends when the data button is pressed or it is polled:
    ``CCA±DDDDD.DDD<CR>`` -- two-digit channel, data type ``A`` (measured
    value), sign, value with the gauge's own decimals. The unit is not in the
    frame: the configured unit is used. A data type ``E`` line
    (``01E...``) is an interface error (gauge not answering), status "error".

``generic-ascii``
    ``[±]value[ ]unit`` terminated by CR/LF, as digital indicators,
    micrometers and scales print: ``+12.003 mm``, ``-0.0005in``, ``12,003 mm``
    (decimal comma). ``OL``/``OVER``/``----`` (optionally signed) is
    "overrange", ``ERR``/``Err 3``/``E05`` is "error". A bare number takes the
    configured unit.

``tester-csv``
    The result line torque controllers and leak testers print per cycle,
    comma- or semicolon-separated (semicolon lines may use a decimal comma):
    ``[leading fields...,]value,unit[,verdict]``, e.g.
    ``P01,2026-03-01 10:15:02,12.45,Nm,OK`` or ``17;0,42;ml/min;NOK``.
    Verdicts OK/PASS/GO/IO -> "ok", NOK/FAIL/NG/NIO -> "nok" (kept on the
    reading; lineside judges against its own limits).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from hardware.gauges.reading import FrameError, GaugeReading, normalize_unit

NAN = math.nan

_MITUTOYO = re.compile(rb"^(\d{2})([A-Z])([+-])(\d+(?:\.\d*)?)$")
_MITUTOYO_ERROR = re.compile(rb"^(\d{2})E.*$")
_NUMBER = r"[+-]?\s?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?"
_GENERIC = re.compile(rf"^({_NUMBER})\s*([^\d\s+\-.,][^\s]*)?$")
_OVERRANGE = re.compile(r"^[+-]?\s*(?:O\.?L\.?|OVER|OVERFLOW|-{3,}|>+)$", re.IGNORECASE)
_ERROR = re.compile(r"^(?:ERR(?:OR)?\s*\d*|E\s?\d{1,3})$", re.IGNORECASE)
_UNIT_TOKEN = re.compile(r"^[^\d\s+\-.,;]\S*$")

_VERDICTS = {
    "OK": "ok", "PASS": "ok", "GO": "ok", "IO": "ok", "ACCEPT": "ok",
    "NOK": "nok", "FAIL": "nok", "NG": "nok", "NIO": "nok", "REJECT": "nok",
}  # fmt: skip


def _text(frame: bytes) -> str:
    try:
        return frame.decode("ascii").strip()
    except UnicodeDecodeError:
        try:
            return frame.decode("utf-8").strip()  # "µm", "°"
        except UnicodeDecodeError as exc:
            raise FrameError(f"not text: {frame!r}") from exc


def _number(text: str) -> float:
    cleaned = text.replace(" ", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError as exc:
        raise FrameError(f"not a number: {text!r}") from exc
    if not math.isfinite(value):
        raise FrameError(f"not a finite number: {text!r}")
    return value


def parse_mitutoyo(frame: bytes, unit: str) -> GaugeReading:
    body = frame.strip(b"\r\n \x00")
    if match := _MITUTOYO.match(body):
        channel, data_type, sign, digits = match.groups()
        if data_type != b"A":
            raise FrameError(f"unknown Mitutoyo data type {data_type!r} in {frame!r}")
        value = _number(digits.decode())
        return GaugeReading(
            -value if sign == b"-" else value, normalize_unit(unit), "ok", frame, channel.decode()
        )
    if match := _MITUTOYO_ERROR.match(body):
        return GaugeReading(NAN, normalize_unit(unit), "error", frame, match.group(1).decode())
    raise FrameError(f"not a Mitutoyo Digimatic line: {frame!r}")


def parse_generic_ascii(frame: bytes, unit: str) -> GaugeReading:
    text = _text(frame)
    if not text:
        raise FrameError("empty frame")
    if match := _GENERIC.match(text):
        number, reported = match.groups()
        return GaugeReading(_number(number), normalize_unit(reported or unit), "ok", frame)
    head, _, tail = text.rpartition(" ")
    if not head or not _UNIT_TOKEN.match(tail) or _OVERRANGE.match(tail) or _ERROR.match(tail):
        head, tail = text, unit  # no unit on the line
    if _OVERRANGE.match(head):
        return GaugeReading(NAN, normalize_unit(tail), "overrange", frame)
    if _ERROR.match(head):
        return GaugeReading(NAN, normalize_unit(tail), "error", frame)
    raise FrameError(f"not a 'value unit' line: {frame!r}")


def _is_unit(field: str) -> bool:
    return bool(_UNIT_TOKEN.match(field)) and not (_OVERRANGE.match(field) or _ERROR.match(field))


def parse_tester_csv(frame: bytes, unit: str) -> GaugeReading:
    text = _text(frame)
    separator = ";" if ";" in text else ","
    fields = [f.strip().strip('"').strip() for f in text.split(separator)]
    while fields and not fields[-1]:
        fields.pop()  # trailing separator
    if len(fields) < 2:
        raise FrameError(f"not a tester result line: {frame!r}")
    verdict = _VERDICTS.get(fields[-1].upper())
    if verdict is not None:
        fields.pop()
    if len(fields) >= 2 and _is_unit(fields[-1]):
        value_text, reported = fields[-2], fields[-1]
    else:
        value_text, reported = fields[-1], unit
    if _OVERRANGE.match(value_text):
        return GaugeReading(NAN, normalize_unit(reported), "overrange", frame, verdict=verdict)
    if _ERROR.match(value_text):
        return GaugeReading(NAN, normalize_unit(reported), "error", frame, verdict=verdict)
    return GaugeReading(_number(value_text), normalize_unit(reported), "ok", frame, verdict=verdict)


Parser = Callable[[bytes, str], GaugeReading]

PARSERS: dict[str, Parser] = {
    "mitutoyo-digimatic": parse_mitutoyo,
    "generic-ascii": parse_generic_ascii,
    "tester-csv": parse_tester_csv,
}
