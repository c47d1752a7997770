"""A crossed gauge R&R study: every appraiser measures every part the same number of times.

Every check on raw rows happens here, once, so the methods downstream can
assume a full (parts, appraisers, trials) array of finite numbers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike

from core.msa.errors import MsaError

MIN_PARTS = 2
MIN_APPRAISERS = 2
MIN_TRIALS = 2


@dataclass(frozen=True, slots=True, eq=False)  # eq=False: numpy arrays have no single truth value
class GrrStudy:
    """A validated, balanced, crossed study.

    values[i, j, k] is the measurement of parts[i] by appraisers[j] in trials[k];
    labels keep the order in which they first appear in the rows.
    """

    parts: tuple[str, ...]
    appraisers: tuple[str, ...]
    trials: tuple[str, ...]
    values: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int]:
        """(parts, appraisers, trials)."""
        return (len(self.parts), len(self.appraisers), len(self.trials))


def _label(value: object, what: str, row: str) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        raise MsaError(f"{row}: the {what} is blank; every measurement names its {what}")
    return text


def _value(value: object, row: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real | np.number):
        raise MsaError(f"{row} ({where}): value {value!r} is not a number")
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise MsaError(
            f"{row} ({where}): value {number} is not a finite number; correct or re-measure it"
        )
    return number


def _where(part: str, appraiser: str, trial: str | None = None) -> str:
    text = f"part {part}, appraiser {appraiser}"
    return text if trial is None else f"{text}, trial {trial}"


def _more(count: int) -> str:
    return f" (and {count} more like it)" if count else ""


def grr_study(
    rows: Iterable[Sequence[object]], *, row_names: Sequence[str] | None = None
) -> GrrStudy:
    """Build a study from rows of (part, appraiser, trial, value).

    Part, appraiser and trial are labels (compared as stripped text); value is
    a finite number. Errors call the rows "row 1", "row 2", ... or, when given,
    row_names[i] (e.g. "line 7" of a file). Raises MsaError naming the row or
    the part/appraiser/trial for: malformed rows, blanks, non-numbers, NaN/inf,
    repeated measurements, fewer than 2 parts, 2 appraisers or 2 trials,
    missing part/appraiser cells, missing trials and unbalanced repeats, and a
    study without any variation.
    """
    cells: dict[tuple[str, str], dict[str, float]] = {}
    first_row: dict[tuple[str, str, str], str] = {}
    parts: dict[str, None] = {}
    appraisers: dict[str, None] = {}
    trials: dict[str, None] = {}
    count = 0
    for count, row in enumerate(rows, start=1):
        name = f"row {count}" if row_names is None else row_names[count - 1]
        if isinstance(row, str | bytes) or not isinstance(row, Sequence) or len(row) != 4:
            raise MsaError(f"{name}: expected (part, appraiser, trial, value), got {row!r}")
        part = _label(row[0], "part", name)
        appraiser = _label(row[1], "appraiser", name)
        trial = _label(row[2], "trial", name)
        value = _value(row[3], name, _where(part, appraiser, trial))
        key = (part, appraiser, trial)
        if key in first_row:
            raise MsaError(
                f"{_where(*key)} is recorded twice ({first_row[key]} and {name}): "
                "keep one measurement per trial"
            )
        first_row[key] = name
        parts.setdefault(part)
        appraisers.setdefault(appraiser)
        trials.setdefault(trial)
        cells.setdefault((part, appraiser), {})[trial] = value
    if count == 0:
        raise MsaError("the study has no measurements")
    if len(parts) < MIN_PARTS:
        raise MsaError(
            f"a gauge R&R study needs at least {MIN_PARTS} parts; only part "
            f"{next(iter(parts))} was measured"
        )
    if len(appraisers) < MIN_APPRAISERS:
        raise MsaError(
            f"a gauge R&R study needs at least {MIN_APPRAISERS} appraisers to judge "
            f"reproducibility (AV and the ANOVA compare appraisers); only appraiser "
            f"{next(iter(appraisers))} measured"
        )
    _check_crossed(parts, appraisers, cells)
    trial_set = _check_balanced(parts, appraisers, cells)
    ordered = tuple(t for t in trials if t in trial_set)
    if len(ordered) < MIN_TRIALS:
        raise MsaError(
            f"each appraiser measured each part only once: repeatability (EV) needs at "
            f"least {MIN_TRIALS} trials of every part by every appraiser"
        )
    values = np.array(
        [[[cells[(p, a)][t] for t in ordered] for a in appraisers] for p in parts], dtype=float
    )
    if np.ptp(values) == 0:
        raise MsaError(
            f"every measurement is the same ({values.flat[0]:g}): the study shows no "
            "variation at all; check the gauge resolution and that different parts were measured"
        )
    values.setflags(write=False)
    return GrrStudy(parts=tuple(parts), appraisers=tuple(appraisers), trials=ordered, values=values)


def _check_crossed(
    parts: dict[str, None],
    appraisers: dict[str, None],
    cells: Mapping[tuple[str, str], object],
) -> None:
    missing = [(p, a) for p in parts for a in appraisers if (p, a) not in cells]
    if missing:
        part, appraiser = missing[0]
        raise MsaError(
            f"part {part} was not measured by appraiser {appraiser}"
            f"{_more(len(missing) - 1)}: "
            "in a crossed study every appraiser measures every part"
        )


def _check_balanced(
    parts: dict[str, None],
    appraisers: dict[str, None],
    cells: dict[tuple[str, str], dict[str, float]],
) -> frozenset[str]:
    sets = {key: frozenset(trials) for key, trials in cells.items()}
    # the trial set most cells share is the design; Counter keeps first-seen order on ties
    usual = Counter(sets[(p, a)] for p in parts for a in appraisers).most_common(1)[0][0]
    odd = [(p, a) for p in parts for a in appraisers if sets[(p, a)] != usual]
    if not odd:
        return usual
    part, appraiser = odd[0]
    have = sets[(part, appraiser)]
    order = list(dict.fromkeys(t for c in cells.values() for t in c))
    missing = [t for t in order if t in usual - have]
    extra = [t for t in order if t in have - usual]
    design = ", ".join(t for t in order if t in usual)
    more = _more(len(odd) - 1)
    if missing and not extra:
        gaps = ", ".join(_where(part, appraiser, t) for t in missing)
        raise MsaError(
            f"{gaps} {'is' if len(missing) == 1 else 'are'} missing{more}: "
            f"every appraiser measures every part in each trial ({design})"
        )
    mine = ", ".join(t for t in order if t in have)
    raise MsaError(
        f"unbalanced repeats: {_where(part, appraiser)} has trials {mine} but the other "
        f"cells have {design}{more}; every part needs the same trials by every appraiser"
    )


def grr_study_from_array(values: ArrayLike) -> GrrStudy:
    """Build a study from a (parts, appraisers, trials) array; labels are 1, 2, 3, ..."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise MsaError(
            "a study array must hold numbers in (parts, appraisers, trials) order"
        ) from None
    if arr.ndim != 3:
        raise MsaError(
            f"a study array needs 3 dimensions (parts, appraisers, trials), got {arr.ndim}"
        )
    return grr_study(
        (str(i + 1), str(j + 1), str(k + 1), float(arr[i, j, k]))
        for i in range(arr.shape[0])
        for j in range(arr.shape[1])
        for k in range(arr.shape[2])
    )
