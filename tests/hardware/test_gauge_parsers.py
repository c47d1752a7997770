import math

import pytest

from hardware.framing import LineFramer
from hardware.gauges.parsers import parse_generic_ascii, parse_mitutoyo, parse_tester_csv
from hardware.gauges.reading import FrameError, GaugeReading, UnitMismatch, check_unit


@pytest.mark.parametrize(
    ("frame", "value", "channel"),
    [
        (b"01A+00012.345\r", 12.345, "01"),
        (b"01A-00000.500\r", -0.5, "01"),
        (b"03A+0012.34", 12.34, "03"),
        (b"01A+00000.000\r\n", 0.0, "01"),
    ],
)
def test_mitutoyo_lines(frame, value, channel):
    reading = parse_mitutoyo(frame, "mm")
    assert reading == GaugeReading(value, "mm", "ok", frame, channel)


def test_mitutoyo_error_line_is_an_error_reading():
    reading = parse_mitutoyo(b"01E\r", "mm")
    assert reading.status == "error" and math.isnan(reading.value) and not reading.ok


@pytest.mark.parametrize(
    "frame",
    [b"", b"\xff\xfe\x00", b"01A+", b"A+00012.345", b"01B+00012.345", b"01A+12.3.4", b"+12.0 mm"],
)
def test_mitutoyo_garbage_is_a_frame_error(frame):
    with pytest.raises(FrameError):
        parse_mitutoyo(frame, "mm")


@pytest.mark.parametrize(
    ("frame", "value", "unit", "status"),
    [
        (b"+12.003 mm\r\n", 12.003, "mm", "ok"),
        (b"-0.0005in\r\n", -0.0005, "in", "ok"),
        (b"12,003 mm", 12.003, "mm", "ok"),
        ("3.2 µm".encode(), 3.2, "um", "ok"),
        (b"12.5", 12.5, "mm", "ok"),  # no unit on the line: the configured one
        (b"OL mm", math.nan, "mm", "overrange"),
        (b"-OL", math.nan, "mm", "overrange"),
        (b"----", math.nan, "mm", "overrange"),
        (b"Err 3", math.nan, "mm", "error"),
        (b"E05 mm", math.nan, "mm", "error"),
    ],
)
def test_generic_ascii_lines(frame, value, unit, status):
    reading = parse_generic_ascii(frame, "mm")
    assert (reading.unit, reading.status) == (unit, status)
    assert reading.value == value or (math.isnan(value) and math.isnan(reading.value))


@pytest.mark.parametrize("frame", [b"", b"hello world", b"\x00\x13", b"12.0 mm extra", b"mm 12.0"])
def test_generic_ascii_garbage_is_a_frame_error(frame):
    with pytest.raises(FrameError):
        parse_generic_ascii(frame, "mm")


@pytest.mark.parametrize(
    ("frame", "value", "unit", "verdict", "status"),
    [
        (b"P01,2026-03-01 10:15:02,12.45,Nm,OK\r\n", 12.45, "N\u00b7m", "ok", "ok"),
        (b"17;0,42;ml/min;NOK", 0.42, "ml/min", "nok", "ok"),
        (b"5,12.5", 12.5, "mm", None, "ok"),
        (b"P01,OL,Nm,NOK", math.nan, "N\u00b7m", "nok", "overrange"),
        (b"P01,ERR,NOK", math.nan, "mm", "nok", "error"),
        (b'"P02","8.10","Nm","PASS",', 8.10, "N\u00b7m", "ok", "ok"),
    ],
)
def test_tester_csv_lines(frame, value, unit, verdict, status):
    reading = parse_tester_csv(frame, "mm")
    assert (reading.unit, reading.verdict, reading.status) == (unit, verdict, status)
    assert reading.value == pytest.approx(value, nan_ok=True)


@pytest.mark.parametrize("frame", [b"garbage", b"a,b,c", b"", b",,,"])
def test_tester_garbage_is_a_frame_error(frame):
    with pytest.raises(FrameError):
        parse_tester_csv(frame, "mm")


def test_partial_frames_wait_for_the_terminator():
    framer = LineFramer("crlf")
    stream = [b"01A+000", b"12.3", b"45\r01A-0000", b"1.000\r"]
    frames = [f for chunk in stream for f in framer.feed(chunk)]
    assert [parse_mitutoyo(f, "mm").value for f in frames] == [12.345, -1.0]


def test_unit_check_refuses_inch_for_a_mm_characteristic_with_a_clear_message():
    reading = parse_generic_ascii(b"+0.4862 in\r\n", "mm")
    with pytest.raises(UnitMismatch) as caught:
        check_unit(reading, "mm", characteristic="bore-dia")
    message = str(caught.value)
    assert "0.4862 in" in message and "'bore-dia'" in message and "mm" in message
    assert "never converted" in message


def test_unit_check_accepts_spelling_variants():
    reading = parse_generic_ascii("5.0 µm".encode(), "um")
    assert check_unit(reading, "um") is reading
    assert check_unit(parse_tester_csv(b"1,2.5,N.m,OK", "Nm"), "Nm").value == 2.5
