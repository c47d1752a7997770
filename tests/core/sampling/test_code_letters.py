"""Table I (ANSI/ASQ Z1.4-2003) = Table 1 (ISO 2859-1:1999): sample size code letters.

Expected letters typed again here from the printed Table I of ANSI/ASQ Z1.4-2003,
which matches Table 1 of ISO 2859-1:1999 and of GB/T 2828.1-2012 letter for letter.
Every range is checked at its first and its last lot size.
"""

from __future__ import annotations

import pytest

from core.sampling import INSPECTION_LEVELS, MAX_LOT_SIZE, SamplingError, code_letter

# first, last, then letters for S-1 S-2 S-3 S-4 I II III
TABLE_I = """
2       8       A A A A A A B
9       15      A A A A A B C
16      25      A A B B B C D
26      50      A B B C C D E
51      90      B B C C C E F
91      150     B B C D D F G
151     280     B C D E E G H
281     500     B C D E F H J
501     1200    C C E F G J K
1201    3200    C D E G H K L
3201    10000   C D F G J L M
10001   35000   C D F H K M N
35001   150000  D E G J L N P
150001  500000  D E G J M P Q
500001  -       D E H K N Q R
"""
CASES = [
    (size, level, letter)
    for line in TABLE_I.strip().splitlines()
    for first, last, *letters in [line.split()]
    for size in (int(first), MAX_LOT_SIZE if last == "-" else int(last))
    for level, letter in zip(INSPECTION_LEVELS, letters, strict=True)
]


def test_table_has_every_range_and_level() -> None:
    assert len(CASES) == 15 * 2 * 7


@pytest.mark.parametrize(("lot_size", "level", "letter"), CASES)
def test_code_letter(lot_size: int, level: str, letter: str) -> None:
    assert code_letter(lot_size, level) == letter


def test_lot_of_one_reads_the_first_row() -> None:
    assert [code_letter(1, level) for level in INSPECTION_LEVELS] == list("AAAAAAB")


@pytest.mark.parametrize(("spelled", "level"), [("ii", "II"), (" s-3 ", "S-3"), ("S4", "S-4")])
def test_level_spellings(spelled: str, level: str) -> None:
    assert code_letter(1000, spelled) == code_letter(1000, level)


@pytest.mark.parametrize("level", ["IV", "G2", "", "S-5"])
def test_unknown_level(level: str) -> None:
    with pytest.raises(SamplingError, match="S-1, S-2, S-3, S-4, I, II, III"):
        code_letter(100, level)
