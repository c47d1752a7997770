from datetime import date

import pytest

from core.barcodes import (
    GS,
    Badge,
    BarcodeGrammar,
    Command,
    DefectCodeScan,
    LotCode,
    ScanError,
    SerialCode,
    WorkOrderCode,
    classify,
)

# GTIN 09501101020917 is GS1's own documentation example (valid check digit 7).
GTIN = "09501101020917"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("EMP1001", Badge("EMP1001")),
        ("emp42\r\n", Badge("EMP42")),
        ("WO-1001", WorkOrderCode("WO-1001")),
        ("wo-2026-77", WorkOrderCode("WO-2026-77")),
        ("LOT-BAR-261101", LotCode(lot="LOT-BAR-261101")),
        ("SN-000123", SerialCode(serial="SN-000123")),
        ("DEF-SCRATCH", DefectCodeScan("DEF-SCRATCH")),
        ("#DONE", Command("DONE")),
        ("#cancel", Command("CANCEL")),
        ("#LOGOUT", Command("LOGOUT")),
        ("#HOLD", Command("HOLD")),
    ],
)
def test_plain_codes(raw: str, expected: object) -> None:
    assert classify(raw) == expected


def test_gs1_128_with_symbology_prefix_and_separator() -> None:
    scan = classify(f"]C101{GTIN}17261231" + "10ABC123" + GS + "2177")
    assert isinstance(scan, LotCode)
    assert scan.lot == "ABC123" and scan.gtin == GTIN and scan.expiry == date(2026, 12, 31)
    assert scan.serial == "77" and scan.gs1


def test_gs1_datamatrix_prefix_without_separator_at_end() -> None:
    scan = classify(f"]d201{GTIN}10LOT77")
    assert isinstance(scan, LotCode) and scan.lot == "LOT77" and scan.gtin == GTIN


def test_gs1_without_prefix_keeps_quantity_and_count() -> None:
    scan = classify(f"01{GTIN}10B-9{GS}30250{GS}3712")
    assert isinstance(scan, LotCode)
    assert (scan.lot, scan.quantity, scan.count) == ("B-9", "250", "12")


def test_gs1_serial_only_is_a_serial() -> None:
    scan = classify(f"]C101{GTIN}21SER-9")
    assert scan == SerialCode(serial="SER-9", gtin=GTIN, gs1=True)


def test_bad_gtin_check_digit() -> None:
    scan = classify("010950110102091810ABC")
    assert isinstance(scan, ScanError) and scan.error == "bad_gtin"
    assert "check digit" in scan.message


def test_bad_expiry_date() -> None:
    scan = classify(f"01{GTIN}17261341" + "10ABC")
    assert isinstance(scan, ScanError) and scan.error == "bad_date"
    assert "not a real date" in scan.message


def test_gs1_without_lot_or_serial() -> None:
    scan = classify(f"]C101{GTIN}")
    assert isinstance(scan, ScanError) and scan.error == "unknown"
    assert "(01)" in scan.message


def test_garbage_gs1_after_prefix() -> None:
    scan = classify("]C1ZZZZ")
    assert isinstance(scan, ScanError) and scan.error == "bad_gs1"


@pytest.mark.parametrize(
    "raw", ["", "   ", "\r\n", "hello", "12.003", "EMP", "WO-", "#FOO", "\x00\x01", "x" * 500]
)
def test_unknown_and_malformed_never_raise(raw: str) -> None:
    scan = classify(raw)
    assert isinstance(scan, ScanError)
    assert scan.message  # always something to show the operator


def test_non_text_is_an_error() -> None:
    assert isinstance(classify(None), ScanError)  # type: ignore[arg-type]


def test_plant_overrides_grammar() -> None:
    grammar = BarcodeGrammar(badge=r"B\d{6}", lot=r"L\d{8}")
    assert classify("B123456", grammar) == Badge("B123456")
    assert classify("L20261125", grammar) == LotCode(lot="L20261125")
    assert isinstance(classify("EMP1001", grammar), ScanError)


def test_bad_override_pattern_is_reported() -> None:
    with pytest.raises(ValueError, match="badge"):
        BarcodeGrammar(badge="(")
