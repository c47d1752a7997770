from dataclasses import replace
from datetime import datetime

import pytest

from hardware.printers.code128 import code128_modules, decode_escpos_code128, escpos_code128
from hardware.printers.tickets import (
    COLUMNS,
    Code128,
    HoldTag,
    Operation,
    QrCode,
    Traveler,
    code128_module_dots,
    hold_tag_layout,
    layout,
    printable,
    render_escpos,
    render_png,
    render_text,
    traveler_layout,
)

LOT = "LOT-260301-0042"
TRAVELER = Traveler(
    work_order="WO-1001",
    product="P-100",
    lot_id=LOT,
    quantity=120,
    operations=(Operation("10", "Saw"), Operation("20", "Bend"), Operation("30", "Paint")),
    current_op="20",
    operator="j.smith",
    printed_at=datetime(2026, 3, 1, 14, 5),
    product_name="Bracket",
)
HOLD = HoldTag(
    lot_id=LOT,
    reason="Burr on bent edge exceeds 0.2 mm — 12 of 120 affected",
    ncr="NCR-0042",
    held_by="m.müller",
    held_at=datetime(2026, 3, 1, 15, 0),
)

GS_QR = b"\x1d(k"
GS_K_CODE128 = b"\x1dkI"  # GS k 73 (function B, CODE128)


@pytest.mark.parametrize("paper", [58, 80])
def test_traveler_escpos_has_native_qr_hardware_code128_and_cut(paper):
    data = render_escpos(traveler_layout(TRAVELER, paper))
    assert data.startswith(b"\x1b@")  # ESC @ initialise
    # GS ( k pL pH cn=49 fn=80 m=48 data: store the QR data (pL = len + 3)
    assert GS_QR + bytes([len(LOT) + 3, 0]) + b"1P0" + LOT.encode() in data
    payload, _ = escpos_code128(LOT)
    assert GS_K_CODE128 + bytes([len(payload)]) + payload.encode("latin-1") in data
    assert payload.startswith("{B")
    assert b"\x1dV" in data  # cut
    for text in (b"WO-1001", b"j.smith", b"2026-03-01 14:05", b"[>] 20 Bend"):
        assert text in data


@pytest.mark.parametrize("paper", [58, 80])
def test_hold_tag_escpos_has_no_em_dash_and_keeps_the_words(paper):
    data = render_escpos(hold_tag_layout(HOLD, paper))
    assert "—".encode() not in data and b"\x1bt\x10" not in data  # no switch to CP1252
    banner = b"HOLD - DO NOT USE" if paper == 80 else b"HOLD\n"
    assert banner in data and b"DO NOT USE" in data
    assert b"12 of 120 affected" in data or b"12 of 120" in data
    assert b"NCR-0042" in data and GS_QR in data
    assert b"m.m\x81ller" in data  # ü in code page 437, selected by python-escpos


def test_text_rendering_fits_the_columns_and_marks_the_current_operation():
    for paper in (58, 80):
        for ticket in (TRAVELER, HOLD):
            text = render_text(layout(ticket, paper))
            assert all(len(line) <= COLUMNS[paper] for line in text.splitlines()), text
    text = render_text(traveler_layout(TRAVELER, 58))
    assert "[x] 10 Saw" in text and "[>] 20 Bend" in text and "[ ] 30 Paint" in text
    assert "HOLD — DO NOT USE" in render_text(hold_tag_layout(HOLD, 80))


@pytest.mark.parametrize(("paper", "width"), [(58, 384), (80, 576)])
def test_png_preview_is_printer_width_and_has_ink(paper, width):
    image = render_png(traveler_layout(TRAVELER, paper))
    assert image.width == width
    assert 600 < image.height < 2000
    histogram = image.convert("L").histogram()
    black = histogram[0] / (image.width * image.height)
    assert 0.05 < black < 0.6


def test_printable_swaps_typographic_characters():
    assert printable("HOLD — DO NOT USE “now”…") == 'HOLD - DO NOT USE "now"...'
    assert printable("Müller Ø") == "Müller Ø"  # code pages have these


@pytest.mark.parametrize(
    "data", ["LOT-260301-0042", "1234", "12345", "A{B", "WO-1001/10", "0104012345678901", "X"]
)
def test_code128_payload_round_trips(data):
    payload, symbols = escpos_code128(data)
    assert decode_escpos_code128(payload) == data
    assert payload[:2] in ("{B", "{C")
    assert symbols <= len(data) + 4


def test_code128_digit_runs_use_code_set_c():
    payload, symbols = escpos_code128("LOT-260301-0042")
    assert payload == "{BLOT-{C" + "\x1a\x03\x01" + "{B-{C" + "\x00\x2a"
    assert symbols == 13
    assert code128_modules(symbols) == 178


def test_long_lot_ids_fall_back_to_qr_only_on_58_mm():
    assert code128_module_dots(LOT, 58) == 2
    assert code128_module_dots(LOT, 80) == 3
    long_lot = "LOT-ALPHA-BRAVO-CHARLIE-XY"
    assert code128_module_dots(long_lot, 58) is None
    lay = traveler_layout(replace(TRAVELER, lot_id=long_lot), 58)
    assert any(isinstance(b, QrCode) for b in lay.blocks)
    assert not any(isinstance(b, Code128) for b in lay.blocks)
    assert lay.notes and "QR only" in lay.notes[0]


def test_code128_refuses_non_ascii():
    with pytest.raises(ValueError):
        escpos_code128("LOT-ü")


@pytest.mark.parametrize("paper", [58, 80])
def test_a_held_lots_traveler_says_so_before_anything_else(paper):
    held = render_text(traveler_layout(replace(TRAVELER, held=True), paper)).splitlines()
    plain = render_text(traveler_layout(TRAVELER, paper))
    assert "HELD" in held[1] and "Do not move on" in held[2]
    assert "HELD" not in plain
