"""Table I of ANSI/ASQ Z1.4-2003 = Table 1 of ISO 2859-1:1999: sample size code letters.

Typed from the printed table (the two editions print the same letters, as does
MIL-STD-105E Table I). One row per lot size range; the letters are for the
special inspection levels S-1 to S-4, then the general levels I, II and III.
"""

from __future__ import annotations

INSPECTION_LEVELS: tuple[str, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")

# (first lot size, last lot size or None for "and over", letters S-1 S-2 S-3 S-4 | I II III)
TABLE_I: tuple[tuple[int, int | None, str], ...] = (
    (2, 8, "A A A A | A A B"),
    (9, 15, "A A A A | A B C"),
    (16, 25, "A A B B | B C D"),
    (26, 50, "A B B C | C D E"),
    (51, 90, "B B C C | C E F"),
    (91, 150, "B B C D | D F G"),
    (151, 280, "B C D E | E G H"),
    (281, 500, "B C D E | F H J"),
    (501, 1_200, "C C E F | G J K"),
    (1_201, 3_200, "C D E G | H K L"),
    (3_201, 10_000, "C D F G | J L M"),
    (10_001, 35_000, "C D F H | K M N"),
    (35_001, 150_000, "D E G J | L N P"),
    (150_001, 500_000, "D E G J | M P Q"),
    (500_001, None, "D E H K | N Q R"),
)
