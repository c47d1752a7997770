from PIL import Image

from cli.main import main


def test_preview_traveler_writes_png_and_prints_text(tmp_path, capsys):
    out = tmp_path / "ticket.png"
    escpos = tmp_path / "ticket.bin"
    code = main([
        "print", "preview", "traveler", "--wo", "WO-1001", "--product", "P-100",
        "--lot", "LOT-777", "--out", str(out), "--paper", "58", "--escpos", str(escpos),
    ])  # fmt: skip
    assert code == 0
    with Image.open(out) as image:
        assert image.width == 384
    text = capsys.readouterr().out
    assert "TRAVELER" in text and "WO-1001" in text and "LOT-777" in text
    assert all(len(line) <= 32 for line in text.splitlines())
    assert b"\x1d(k" in escpos.read_bytes()


def test_preview_holdtag_with_demo_defaults(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["print", "preview", "holdtag", "--lot", "LOT-9", "--ncr", "NCR-1"]) == 0
    with Image.open(tmp_path / "holdtag.png") as image:
        assert image.width == 576
    text = capsys.readouterr().out
    assert "HOLD — DO NOT USE" in text and "NCR-1" in text and "LOT-9" in text


def test_print_without_action_shows_usage(capsys):
    assert main(["print"]) == 2
    assert "preview" in capsys.readouterr().out
