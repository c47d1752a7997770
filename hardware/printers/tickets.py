"""Ticket layouts (traveler, hold tag) and their three renderings.

A layout is data: a list of blocks (text lines, rules, a QR code, a CODE128
barcode, a cut) computed from the ticket by a pure function. Three renderers
turn the same blocks into ESC/POS bytes (through ``escpos.printer.Dummy``),
plain text (for the screen and logs) and a PNG preview drawn with Pillow at
the printer's resolution (203 dpi: 384 dots on 58 mm paper, 576 on 80 mm).

ESC/POS code pages have no em dash or curly quotes; :func:`printable` swaps
them for ASCII so "HOLD — DO NOT USE" prints as "HOLD - DO NOT USE" instead
of switching to a code page the printer may not have. The PNG preview shows
exactly what prints; the plain text keeps the original characters.
"""

from __future__ import annotations

import contextlib
import io
import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from hardware.printers.code128 import code128_modules, escpos_code128

if TYPE_CHECKING:
    from PIL import Image

PaperMm = Literal[58, 80]
COLUMNS: dict[int, int] = {58: 32, 80: 48}
DOTS: dict[int, int] = {58: 384, 80: 576}
QR_MODULE_DOTS: dict[int, int] = {58: 6, 80: 8}
BARCODE_HEIGHT = 80

Size = Literal["normal", "double", "huge"]
SIZE_FACTOR: dict[str, int] = {"normal": 1, "double": 2, "huge": 3}


# --- tickets ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Operation:
    seq: str
    name: str


@dataclass(frozen=True, slots=True)
class Traveler:
    """Travels with a lot: which work order, what it is, where it is in the routing."""

    work_order: str
    product: str
    lot_id: str
    quantity: float
    operations: tuple[Operation, ...]
    #: ``seq`` of the operation the lot is at now (marked on the ticket).
    current_op: str | None
    operator: str
    printed_at: datetime
    product_name: str = ""
    unit: str = "pcs"
    held: bool = False  # the lot is on hold: the traveler says so first


@dataclass(frozen=True, slots=True)
class HoldTag:
    """Hung on a held lot: it must not be used until the NCR is dispositioned."""

    lot_id: str
    reason: str
    ncr: str
    held_by: str
    held_at: datetime
    product: str = ""
    quantity: float | None = None
    unit: str = "pcs"


Ticket = Traveler | HoldTag


# --- blocks -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    size: Size = "normal"
    bold: bool = False
    align: Literal["left", "center", "right"] = "left"
    invert: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True, slots=True)
class QrCode:
    data: str


@dataclass(frozen=True, slots=True)
class Code128:
    data: str
    #: Dots per narrow bar, chosen so the code fits the paper.
    module_dots: int = 2


@dataclass(frozen=True, slots=True)
class Blank:
    lines: int = 1


@dataclass(frozen=True, slots=True)
class Cut:
    pass


Block = Text | Rule | QrCode | Code128 | Blank | Cut


@dataclass(frozen=True, slots=True)
class Layout:
    blocks: tuple[Block, ...]
    paper_mm: PaperMm
    #: What the ticket is for, shown in the print queue ("traveler LOT-...").
    label: str = ""
    notes: tuple[str, ...] = field(default=())


_ASCII_FALLBACK = str.maketrans({
    "—": "-", "–": "-", "‒": "-", "−": "-", "‘": "'", "’": "'", "‚": ",", "“": '"', "”": '"',
    "„": '"', "…": "...", "•": "*", "→": "->", "←": "<-", "×": "x", "\u00a0": " ", "\u2009": " ",
})  # fmt: skip


def printable(text: str) -> str:
    """Replace typographic characters no ESC/POS code page has with ASCII look-alikes."""
    return text.translate(_ASCII_FALLBACK)


def code128_module_dots(data: str, paper_mm: int) -> int | None:
    """Widest bar (3 or 2 dots) at which ``data`` fits the paper; None if it does not."""
    try:
        _, symbols = escpos_code128(data)
    except ValueError:
        return None
    modules = code128_modules(symbols)
    for dots in (3, 2):
        if modules * dots <= DOTS[paper_mm]:
            return dots
    return None


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def _qty(quantity: float, unit: str) -> str:
    """The quantity as people write it ("48 pcs", "1500000 pcs"), never "1.5e+06"."""
    if isinstance(quantity, float):
        number = f"{quantity:.6f}".rstrip("0").rstrip(".") or "0"
    else:
        number = str(quantity)
    return f"{number} {unit}".strip()


def _field(label: str, value: str, columns: int) -> Text:
    return Text(f"{label:<9}{value}"[: columns * 4])


def _lot_codes(lot_id: str, paper_mm: PaperMm) -> tuple[list[Block], list[str]]:
    blocks: list[Block] = [QrCode(lot_id)]
    notes: list[str] = []
    dots = code128_module_dots(lot_id, paper_mm)
    if dots is None:
        notes.append(f"lot id too long for a CODE128 on {paper_mm} mm paper: QR only")
    else:
        blocks.append(Code128(lot_id, dots))
    return blocks, notes


def traveler_layout(t: Traveler, paper_mm: PaperMm = 80) -> Layout:
    cols = COLUMNS[paper_mm]
    blocks: list[Block] = [
        Text("TRAVELER", "double", bold=True, align="center"),
        *(
            [
                Text("HELD", "double", bold=True, align="center", invert=True),
                Text("Do not move on: see the hold tag", bold=True, align="center"),
            ]
            if t.held
            else []
        ),  # fmt: skip
        Rule(),
        _field("WO", t.work_order, cols),
        _field("Product", f"{t.product} {t.product_name}".strip(), cols),
        _field("Lot", t.lot_id, cols),
        _field("Qty", _qty(t.quantity, t.unit), cols),
        _field("Date", _when(t.printed_at), cols),
        _field("Operator", t.operator, cols),
        Rule(),
        Text("Operations", bold=True),
    ]
    seqs = [op.seq for op in t.operations]
    current = seqs.index(t.current_op) if t.current_op in seqs else -1
    for i, op in enumerate(t.operations):
        mark = "[x]" if i < current else "[>]" if i == current else "[ ]"
        blocks.append(Text(f"{mark} {op.seq} {op.name}", bold=i == current, invert=i == current))
    blocks.append(Rule())
    codes, notes = _lot_codes(t.lot_id, paper_mm)
    blocks += codes
    blocks += [Text(t.lot_id, "double", bold=True, align="center"), Blank(2), Cut()]
    return Layout(tuple(blocks), paper_mm, f"traveler {t.lot_id}", tuple(notes))


def hold_tag_layout(h: HoldTag, paper_mm: PaperMm = 80) -> Layout:
    cols = COLUMNS[paper_mm]
    banner = "HOLD — DO NOT USE"
    if len(banner) <= cols // 2:
        head: list[Block] = [Text(banner, "double", bold=True, align="center", invert=True)]
    else:  # 58 mm: big HOLD, then the rest
        head = [
            Text("HOLD", "huge", bold=True, align="center", invert=True),
            Text("DO NOT USE", "double", bold=True, align="center"),
        ]
    blocks: list[Block] = [
        *head,
        Rule("="),
        Text(f"Lot {h.lot_id}", "double", bold=True),
    ]
    if h.product:
        blocks.append(_field("Product", h.product, cols))
    if h.quantity is not None:
        blocks.append(_field("Qty", _qty(h.quantity, h.unit), cols))
    blocks += [
        _field("NCR", h.ncr, cols),
        Text("Reason:", bold=True),
        Text(h.reason),
        _field("Held by", h.held_by, cols),
        _field("Held at", _when(h.held_at), cols),
        Rule("="),
    ]
    codes, notes = _lot_codes(h.lot_id, paper_mm)
    blocks += codes
    if not any(isinstance(b, Code128) for b in codes):  # else the barcode's text line shows it
        blocks.append(Text(h.lot_id, bold=True, align="center"))
    blocks += [Blank(2), Cut()]
    return Layout(tuple(blocks), paper_mm, f"hold tag {h.lot_id}", tuple(notes))


def layout(ticket: Ticket, paper_mm: PaperMm = 80) -> Layout:
    if isinstance(ticket, Traveler):
        return traveler_layout(ticket, paper_mm)
    return hold_tag_layout(ticket, paper_mm)


# --- renderers ----------------------------------------------------------------


def _lines(block: Text, cols: int, convert: bool) -> list[str]:
    width = max(1, cols // SIZE_FACTOR[block.size])
    text = printable(block.text) if convert else block.text
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def render_text(lay: Layout) -> str:
    """Plain text at the paper's column count, one printed line per line."""
    cols = COLUMNS[lay.paper_mm]
    out: list[str] = []
    for block in lay.blocks:
        if isinstance(block, Text):
            for line in _lines(block, cols, convert=False):
                if block.align == "center":
                    line = line.center(cols).rstrip()
                elif block.align == "right":
                    line = line.rjust(cols)
                out.append(line)
        elif isinstance(block, Rule):
            out.append(block.char * cols)
        elif isinstance(block, QrCode):
            out.append(f"[QR: {block.data}]".center(cols).rstrip())
        elif isinstance(block, Code128):
            out.append(f"[CODE128: {block.data}]".center(cols).rstrip())
        elif isinstance(block, Blank):
            out.extend([""] * block.lines)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


_ESCPOS_SIZE: dict[str, dict[str, Any]] = {
    "normal": {"normal_textsize": True},
    "double": {"double_width": True, "double_height": True},
    "huge": {"custom_size": True, "width": 3, "height": 3},
}


def render_escpos(lay: Layout) -> bytes:
    """ESC/POS bytes for the whole ticket (init, text, native QR, hardware CODE128, cut)."""
    from escpos.constants import QR_ECLEVEL_M
    from escpos.printer import Dummy

    cols = COLUMNS[lay.paper_mm]
    p = Dummy()
    p.hw("INIT")
    for block in lay.blocks:
        if isinstance(block, Text):
            size = _ESCPOS_SIZE[block.size]
            p.set(align=block.align, bold=block.bold, invert=block.invert, **size)
            for line in _lines(block, cols, convert=True):
                p.text(line + "\n")
            p.set(align="left", bold=False, invert=False, normal_textsize=True)
        elif isinstance(block, Rule):
            p.text(block.char * cols + "\n")
        elif isinstance(block, QrCode):
            p.set(align="center")
            p.qr(block.data, ec=QR_ECLEVEL_M, size=QR_MODULE_DOTS[lay.paper_mm], native=True)
            p.text("\n")
            p.set(align="left")
        elif isinstance(block, Code128):
            payload, _ = escpos_code128(block.data)
            # barcode() prints which renderer it used to stdout
            with contextlib.redirect_stdout(io.StringIO()):
                p.barcode(
                    payload,
                    "CODE128",
                    height=BARCODE_HEIGHT,
                    width=block.module_dots,
                    pos="BELOW",
                    function_type="B",
                    align_ct=True,
                )
            p.text("\n")
            p.set(align="left")
        elif isinstance(block, Blank):
            p.ln(block.lines)
        elif isinstance(block, Cut):
            p.cut()
    return p.output


def _font_path() -> str | None:
    try:
        import barcode  # python-barcode (a python-escpos dependency) ships DejaVu Sans Mono
    except ImportError:
        return None
    path = Path(barcode.__file__).parent / "fonts" / "DejaVuSansMono.ttf"
    return str(path) if path.exists() else None


def render_png(lay: Layout) -> Image.Image:
    """A 1-bit preview at printer resolution; monospace like the printer's font A."""
    from PIL import Image, ImageDraw, ImageFont

    width = DOTS[lay.paper_mm]
    cols = COLUMNS[lay.paper_mm]
    char_w = width / cols
    font_file = _font_path()
    fonts: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}

    def font(factor: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        if factor not in fonts:
            size = int(char_w * factor / 0.61)  # DejaVu Sans Mono advance is 0.602 em
            fonts[factor] = (
                ImageFont.truetype(font_file, size) if font_file else ImageFont.load_default(size)
            )
        return fonts[factor]

    line_h = round(char_w * 2)  # font A is 12x24 dots
    canvas = Image.new("1", (width, 6000), 1)
    draw = ImageDraw.Draw(canvas)
    y = 8

    def text_line(line: str, factor: int, align: str, invert: bool) -> None:
        nonlocal y
        f = font(factor)
        w = draw.textlength(line, font=f)
        x = {"left": 0, "center": (width - w) / 2, "right": width - w}[align]
        h = line_h * factor
        if invert:
            draw.rectangle([0, y, width, y + h - 1], fill=0)
        draw.text((x, y + h * 0.08), line, font=f, fill=1 if invert else 0)
        y += h

    for block in lay.blocks:
        if isinstance(block, Text):
            for line in _lines(block, cols, convert=True):
                text_line(line, SIZE_FACTOR[block.size], block.align, block.invert)
        elif isinstance(block, Rule):
            text_line(block.char * cols, 1, "left", False)
        elif isinstance(block, QrCode):
            y += _draw_qr(draw, block.data, QR_MODULE_DOTS[lay.paper_mm], width, y) + line_h // 2
        elif isinstance(block, Code128):
            y += _draw_code128(draw, block, width, y) + 4
            text_line(block.data, 1, "center", False)
        elif isinstance(block, Blank):
            y += line_h * block.lines
        elif isinstance(block, Cut):
            for x in range(0, width, 16):
                draw.line([x, y, x + 8, y], fill=0)
            y += 4
    return canvas.crop((0, 0, width, y + 8))


def _draw_qr(draw: object, data: str, module: int, width: int, y: int) -> int:
    import qrcode
    from PIL import ImageDraw

    assert isinstance(draw, ImageDraw.ImageDraw)
    qr = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    size = len(matrix) * module
    x0 = (width - size) // 2
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if dark:
                x, yy = x0 + col * module, y + row * module
                draw.rectangle([x, yy, x + module - 1, yy + module - 1], fill=0)
    return size


def _draw_code128(draw: object, block: Code128, width: int, y: int) -> int:
    from barcode.codex import Code128 as Code128Symbol
    from PIL import ImageDraw

    assert isinstance(draw, ImageDraw.ImageDraw)
    modules = Code128Symbol(block.data).build()[0]
    x0 = (width - len(modules) * block.module_dots) // 2
    for i, bit in enumerate(modules):
        if bit == "1":
            x = x0 + i * block.module_dots
            draw.rectangle([x, y, x + block.module_dots - 1, y + BARCODE_HEIGHT - 1], fill=0)
    return BARCODE_HEIGHT


# --- conveniences -------------------------------------------------------------


def to_escpos(ticket: Ticket, paper_mm: PaperMm = 80) -> bytes:
    return render_escpos(layout(ticket, paper_mm))


def to_text(ticket: Ticket, paper_mm: PaperMm = 80) -> str:
    return render_text(layout(ticket, paper_mm))


def to_png(ticket: Ticket, paper_mm: PaperMm, path: str | Path) -> Path:
    """Write the PNG preview to ``path`` and return it."""
    out = Path(path)
    render_png(layout(ticket, paper_mm)).save(out)
    return out
