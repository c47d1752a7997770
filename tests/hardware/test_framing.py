from hardware.framing import LineFramer, StxEtxFramer, make_framer


def test_crlf_frames_split_across_chunks():
    framer = LineFramer("crlf")
    assert framer.feed(b"LOT-1") == []
    assert framer.pending == b"LOT-1"
    assert framer.feed(b"23\r") == [b"LOT-123"]
    assert framer.feed(b"\nABC\r\nDEF\n") == [b"ABC", b"DEF"]  # the LF after CR is no empty frame
    assert framer.pending == b""


def test_cr_only_keeps_lf_inside_frame_and_lf_mode_strips_cr():
    assert LineFramer("cr").feed(b"A\nB\r") == [b"A\nB"]
    assert LineFramer("lf").feed(b"12.5 mm\r\n") == [b"12.5 mm"]


def test_gs_survives_line_framing():
    assert LineFramer().feed(b"0104012345678901\x1d10ABC\r") == [b"0104012345678901\x1d10ABC"]


def test_stx_etx_ignores_noise_and_restarts_on_a_new_stx():
    framer = StxEtxFramer()
    assert framer.feed(b"\x00garbage\x02LOT-1\x03\r\n") == [b"LOT-1"]
    assert framer.feed(b"\x02PART") == []
    assert framer.pending == b"PART"
    assert framer.feed(b"\x02WHOLE\x03") == [b"WHOLE"]
    assert framer.truncated == 1


def test_reset_returns_the_partial_frame_it_drops():
    framer = make_framer("stx-etx")
    framer.feed(b"\x02HALF")
    assert framer.reset() == b"HALF"
    assert framer.feed(b"REST\x03") == []  # not in a frame any more: the tail is noise


def test_runaway_frame_is_dropped_up_to_the_next_terminator():
    framer = LineFramer("crlf", max_frame=8)
    assert framer.feed(b"0123456789ABCDEF") == []
    assert framer.overflows == 1
    assert framer.feed(b"XYZ\rOK\r") == [b"OK"]
