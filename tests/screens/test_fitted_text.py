"""A prompt's sentence fitted into two rows keeps what happened and what to do."""

from __future__ import annotations

from screens.widgets.fitted_text import fit_lines

HOLD = (
    "Lot LOT-L1-SAW-261206-0001 is ON HOLD: SHAFT-CUT-LEN (Blank length) = 157 mm outside "
    "154.5 … 155.5 mm at L1-SAW, WO-1001 op 10. Keep it apart. Press Enter to acknowledge."
)


def test_what_fits_is_only_wrapped() -> None:
    assert fit_lines("Scan your badge to log in.", 78) == ["Scan your badge to log in."]
    assert fit_lines("", 78) == [""]


def test_the_instruction_at_the_end_is_kept_whole() -> None:
    lines = fit_lines(HOLD, 78)
    assert len(lines) == 2 and all(len(line) <= 78 for line in lines)
    assert " ".join(lines).endswith("… Press Enter to acknowledge.")
    assert lines[0].startswith("Lot LOT-L1-SAW-261206-0001 is ON HOLD: SHAFT-CUT-LEN")


def test_middle_sentences_go_before_the_first_is_shortened() -> None:
    text = (
        "FAIL: Blank length 156.2 mm is above the limit 155.5. Recorded. Tell your supervisor. "
        "Containment: lot LOT-L1-SAW-261127-0001 is ON HOLD; supervisor notified."
    )
    assert " ".join(fit_lines(text, 78)) == (
        "FAIL: Blank length 156.2 mm is above the limit 155.5. Recorded. … "
        "Containment: lot LOT-L1-SAW-261127-0001 is ON HOLD; supervisor notified."
    )


def test_a_last_sentence_too_long_to_keep_cuts_the_end() -> None:
    lines = fit_lines("Short. " + "word " * 60, 30, lines=2)
    assert len(lines) == 2 and lines[-1].endswith("…") and len(lines[-1]) <= 30
