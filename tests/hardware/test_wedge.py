from hardware.scanners.base import GS, Scan
from hardware.scanners.wedge import WedgeDecoder, WedgeScanner


def burst(decoder, text, start=10.0, gap=0.005):
    """Feed characters like a scanner: a few ms apart, then Enter."""
    results = []
    t = start
    for ch in text:
        key = "ctrl+right_square_bracket" if ch == GS else ch
        results.append(decoder.key(key, ch, t))
        t += gap
    results.append(decoder.key("enter", "\r", t))
    return results


def test_a_fast_burst_ending_in_enter_is_a_scan_with_gs_kept():
    decoder = WedgeDecoder("wedge")
    code = "0104012345678901" + GS + "10LOT42"
    results = burst(decoder, code)
    assert results[-1].scan == Scan(code, "wedge")
    assert all(r.scan is None and r.typed == "" for r in results[:-1])


def test_human_typing_is_released_as_typed_text_not_a_scan():
    decoder = WedgeDecoder()
    typed = ""
    t = 0.0
    for ch in "1234":
        r = decoder.key(ch, ch, t)
        typed += r.typed
        t += 0.15
    enter = decoder.key("enter", "\r", t)
    assert enter.scan is None
    assert typed + enter.typed == "1234"
    assert enter.key == "enter"


def test_held_back_keys_come_out_at_the_deadline():
    decoder = WedgeDecoder(max_gap_s=0.03)
    assert decoder.key("a", "a", 1.0).typed == ""
    assert decoder.deadline == 1.03
    assert decoder.flush(1.01).typed == ""  # too early: could still be a scanner
    assert decoder.flush(1.05).typed == "a"
    assert decoder.deadline is None


def test_a_short_fast_burst_is_typing():
    decoder = WedgeDecoder(min_length=4)
    result = burst(decoder, "ab")[-1]
    assert result.scan is None and result.typed == "ab" and result.key == "enter"


def test_a_non_character_key_releases_the_buffer_and_passes_through():
    decoder = WedgeDecoder()
    decoder.key("x", "x", 0.0)
    result = decoder.key("backspace", None, 0.01)
    assert result.typed == "x" and result.key == "backspace" and result.scan is None


def test_without_enter_a_burst_ends_by_silence():
    decoder = WedgeDecoder(require_enter=False)
    for i, ch in enumerate("LOT-7"):
        decoder.key(ch, ch, i * 0.005)
    assert decoder.flush(1.0).scan == Scan("LOT-7", "wedge")


def test_typing_right_before_a_burst_stays_typing():
    decoder = WedgeDecoder()
    decoder.key("q", "q", 0.0)
    results = burst(decoder, "LOT-9", start=0.5)
    assert results[0].typed == "q"
    assert results[-1].scan == Scan("LOT-9", "wedge")


async def test_wedge_scanner_publishes_scans_on_its_feed():
    scanner = WedgeScanner("line-wedge")
    scanner.start()
    burst(scanner, "LOT-55")
    assert await scanner.scans.get() == Scan("LOT-55", "line-wedge")
    assert scanner.status.state == "connected"
