"""Run rules as data, and their vectorised evaluation over a whole series.

A rule is a RuleSpec: a stable id ("we-1", "nelson-2"), a kind (what pattern
it looks for) and parameters (run length, hits, sigma zone). A rule set is a
list of specs, so each characteristic can switch rules on and off or change
parameters (e.g. 7, 8 or 9 points on one side).

Rules look at each point's value and its z score (distance from the centre
line in sigmas of the plotted statistic). A rule fires at the point that
completes its pattern; a violation names that point, every point of the
pattern, and says in one sentence what happened.

Conventions shared with core.spc.stream (which must give identical results):
- a point exactly on the centre line (z == 0) is on neither side;
- a tie between successive values breaks a trend or an alternation;
- NaN values (the first moving range) satisfy no condition;
- "k of m" rules fire only at a point that is itself in the zone, counting
  the last m points (fewer at the start of the series).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from core.spc.errors import SpcError

RuleKind = Literal[
    "beyond-limits",  # 1 point beyond `sigma` (3) sigma
    "zone-count",  # `hits` of `run` points beyond `sigma` sigma, same side
    "same-side",  # `run` points in a row on one side of the centre line
    "trend",  # `run` points in a row steadily increasing or decreasing
    "alternating",  # `run` points in a row alternating up and down
    "within",  # `run` points in a row within `sigma` sigma (stratification)
    "outside",  # `run` points in a row beyond `sigma` sigma, either side (mixture)
]
RULE_KINDS: tuple[RuleKind, ...] = get_args(RuleKind)
MAX_RUN = 50  # bounds the state a streaming evaluator keeps per rule
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One run rule and its parameters.

    run: points in the pattern (window length); hits: points of the window
    that must be in the zone (zone-count only); sigma: zone boundary in sigmas
    (beyond-limits, zone-count, within, outside).
    """

    id: str
    kind: RuleKind
    run: int = 1
    hits: int = 1
    sigma: float = 0.0
    enabled: bool = True

    def __post_init__(self) -> None:
        check_rule(self)


def check_rule(spec: RuleSpec) -> None:
    """Raise SpcError if a rule's kind or parameters make no sense."""
    if not isinstance(spec.id, str) or not _ID.match(spec.id):
        raise SpcError(f"rule id {spec.id!r} must be lower-case letters, digits and dashes")
    if spec.kind not in RULE_KINDS:
        raise SpcError(f"unknown rule kind {spec.kind!r}: choose one of {', '.join(RULE_KINDS)}")
    if isinstance(spec.run, bool) or not isinstance(spec.run, int) or not 1 <= spec.run <= MAX_RUN:
        raise SpcError(f"rule {spec.id}: run length must be a whole number from 1 to {MAX_RUN}")
    minimum = {"trend": 3, "alternating": 3, "same-side": 2, "within": 2, "outside": 2}
    least = minimum.get(spec.kind, 1)
    if spec.run < least:
        raise SpcError(f"rule {spec.id}: a {spec.kind} rule needs a run of at least {least} points")
    if spec.kind == "beyond-limits" and spec.run != 1:
        raise SpcError(f"rule {spec.id}: a beyond-limits rule looks at 1 point")
    if spec.kind == "zone-count" and not 1 <= spec.hits <= spec.run:
        raise SpcError(f"rule {spec.id}: hits must be between 1 and the window length {spec.run}")
    needs_sigma = spec.kind in ("beyond-limits", "zone-count", "within", "outside")
    if needs_sigma and not (0 < spec.sigma <= 6):
        raise SpcError(f"rule {spec.id}: the sigma zone must be above 0 and at most 6")


# The standard rules with their published parameters (Western Electric Statistical
# Quality Control Handbook, 1956; Nelson, J. Quality Technology 16(4), 1984).
STANDARD_RULES: dict[str, RuleSpec] = {
    "we-1": RuleSpec("we-1", "beyond-limits", run=1, sigma=3.0),
    "we-2": RuleSpec("we-2", "zone-count", run=3, hits=2, sigma=2.0),
    "we-3": RuleSpec("we-3", "zone-count", run=5, hits=4, sigma=1.0),
    "we-4": RuleSpec("we-4", "same-side", run=8),
    "nelson-1": RuleSpec("nelson-1", "beyond-limits", run=1, sigma=3.0),
    "nelson-2": RuleSpec("nelson-2", "same-side", run=9),
    "nelson-3": RuleSpec("nelson-3", "trend", run=6),
    "nelson-4": RuleSpec("nelson-4", "alternating", run=14),
    "nelson-5": RuleSpec("nelson-5", "zone-count", run=3, hits=2, sigma=2.0),
    "nelson-6": RuleSpec("nelson-6", "zone-count", run=5, hits=4, sigma=1.0),
    "nelson-7": RuleSpec("nelson-7", "within", run=15, sigma=1.0),
    "nelson-8": RuleSpec("nelson-8", "outside", run=8, sigma=1.0),
}
RULE_SETS: dict[str, tuple[str, ...]] = {
    "we": ("we-1", "we-2", "we-3", "we-4"),
    "nelson": tuple(f"nelson-{i}" for i in range(1, 9)),
}


def rule(rule_id: str, **params: int | float | bool) -> RuleSpec:
    """A standard rule, optionally with custom parameters: rule("nelson-2", run=7)."""
    if rule_id not in STANDARD_RULES:
        raise SpcError(
            f"unknown rule {rule_id!r}: choose from {', '.join(STANDARD_RULES)} "
            "or build a RuleSpec for a custom rule"
        )
    unknown = set(params) - {"run", "hits", "sigma", "enabled"}
    if unknown:
        raise SpcError(f"rule {rule_id} has no parameter {sorted(unknown)[0]!r}")
    return replace(STANDARD_RULES[rule_id], **params)  # type: ignore[arg-type]


def rule_set(name: str) -> tuple[RuleSpec, ...]:
    """The standard set "we" (4 rules) or "nelson" (8 rules)."""
    if name not in RULE_SETS:
        raise SpcError(f"unknown rule set {name!r}: choose one of {', '.join(RULE_SETS)}")
    return tuple(STANDARD_RULES[i] for i in RULE_SETS[name])


def parse_rules(text: str, *, run_length: int | None = None) -> tuple[RuleSpec, ...]:
    """Rules from "we", "nelson" or a comma list like "we-1,nelson-2".

    run_length, if given, replaces the run of the same-side rules (we-4,
    nelson-2). Raises SpcError on unknown or repeated ids.
    """
    specs: list[RuleSpec] = []
    for token in (t.strip().lower() for t in text.split(",")):
        if not token:
            continue
        specs.extend(rule_set(token) if token in RULE_SETS else (rule(token),))
    if not specs:
        raise SpcError("no rules given: use we, nelson or a list such as we-1,nelson-2")
    if run_length is not None:
        specs = [replace(s, run=run_length) if s.kind == "same-side" else s for s in specs]
    check_rule_set(specs)
    return tuple(specs)


def check_rule_set(rules: Iterable[RuleSpec]) -> tuple[RuleSpec, ...]:
    """Return rules as a tuple, raising SpcError on repeated ids."""
    specs = tuple(rules)
    seen: set[str] = set()
    for spec in specs:
        if not isinstance(spec, RuleSpec):
            raise SpcError(f"a rule set holds RuleSpec values, got {spec!r}")
        if spec.id in seen:
            raise SpcError(f"rule {spec.id} appears twice in the rule set")
        seen.add(spec.id)
    return specs


@dataclass(frozen=True, slots=True)
class Violation:
    """A rule that fired: at which point, over which points, in one sentence."""

    rule: str
    index: int
    points: tuple[int, ...]
    message: str
    part: str = ""


def describe(spec: RuleSpec, direction: int) -> str:
    """The sentence for a violation of spec; direction +1 above/up, -1 below/down."""
    side = "above" if direction > 0 else "below"
    s = f"{spec.sigma:g}"
    if spec.kind == "beyond-limits":
        if spec.sigma == 3.0:
            limit = "upper" if direction > 0 else "lower"
            return f"1 point {side} the {limit} control limit"
        return f"1 point more than {s} sigma {side} the centre line"
    if spec.kind == "zone-count":
        return f"{spec.hits} of {spec.run} points more than {s} sigma {side} the centre line"
    if spec.kind == "same-side":
        return f"{spec.run} points in a row {side} the centre line"
    if spec.kind == "trend":
        return (
            f"{spec.run} points in a row steadily {'increasing' if direction > 0 else 'decreasing'}"
        )
    if spec.kind == "alternating":
        return f"{spec.run} points in a row alternating up and down"
    if spec.kind == "within":
        return f"{spec.run} points in a row within {s} sigma of the centre line"
    return f"{spec.run} points in a row more than {s} sigma from the centre line, on either side"


@dataclass(frozen=True, slots=True, eq=False)  # eq=False: holds numpy arrays
class RuleHits:
    """Where one rule fired: point indices and direction (+1 above/up, -1 below/down)."""

    spec: RuleSpec
    index: np.ndarray
    direction: np.ndarray


def run_lengths(condition: np.ndarray) -> np.ndarray:
    """Length of the run of True values ending at each index (0 where False)."""
    idx = np.arange(condition.size)
    last_false = np.where(condition, -1, idx)
    np.maximum.accumulate(last_false, out=last_false)
    return idx - last_false


def window_counts(condition: np.ndarray, window: int) -> np.ndarray:
    """Number of True values among the last `window` entries ending at each index."""
    cs = np.cumsum(condition, dtype=np.int64)
    out = cs.copy()
    out[window:] -= cs[:-window]
    return out


def _sided(up: np.ndarray, down: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    index = np.flatnonzero(up | down)
    direction = np.where(up[index], 1, -1).astype(np.int8)
    return index, direction


def _rule_hits(spec: RuleSpec, values: np.ndarray, z: np.ndarray) -> RuleHits:
    k = spec.kind
    if k == "beyond-limits":
        index, direction = _sided(z > spec.sigma, z < -spec.sigma)
    elif k == "zone-count":
        up, down = z > spec.sigma, z < -spec.sigma
        index, direction = _sided(
            up & (window_counts(up, spec.run) >= spec.hits),
            down & (window_counts(down, spec.run) >= spec.hits),
        )
    elif k == "same-side":
        index, direction = _sided(run_lengths(z > 0) >= spec.run, run_lengths(z < 0) >= spec.run)
    elif k in ("trend", "alternating"):
        diff = values[1:] - values[:-1]
        rising, falling = diff > 0, diff < 0
        if k == "trend":
            up = np.concatenate(([False], run_lengths(rising) >= spec.run - 1))
            down = np.concatenate(([False], run_lengths(falling) >= spec.run - 1))
            index, direction = _sided(up, down)
        else:
            flips = np.zeros(diff.size, dtype=bool)
            flips[1:] = (rising[1:] & falling[:-1]) | (falling[1:] & rising[:-1])
            # run - 1 differences alternate when run - 2 consecutive pairs flip
            fire = np.concatenate(([False], run_lengths(flips) >= spec.run - 2))
            index = np.flatnonzero(fire)
            direction = np.ones(index.size, dtype=np.int8)
    elif k == "within":
        index = np.flatnonzero(run_lengths(np.abs(z) < spec.sigma) >= spec.run)
        direction = np.ones(index.size, dtype=np.int8)
    else:
        index = np.flatnonzero(run_lengths(np.abs(z) > spec.sigma) >= spec.run)
        direction = np.ones(index.size, dtype=np.int8)
    return RuleHits(spec=spec, index=index, direction=direction)


def _as_series(values: ArrayLike, z: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(values, dtype=float)
    zz = np.asarray(z, dtype=float)
    if v.ndim != 1 or v.shape != zz.shape:
        raise SpcError("rule evaluation needs one value and one z score per point")
    return v, zz


def rule_hits(values: ArrayLike, z: ArrayLike, rules: Sequence[RuleSpec]) -> tuple[RuleHits, ...]:
    """Vectorised core: for each enabled rule, the indices where it fires."""
    v, zz = _as_series(values, z)
    return tuple(_rule_hits(spec, v, zz) for spec in check_rule_set(rules) if spec.enabled)


def pattern_points(spec: RuleSpec, index: int, direction: int, z: np.ndarray) -> tuple[int, ...]:
    """Indices making up the pattern that fired at index.

    z holds the z score of every point up to index.
    """
    start = index - spec.run + 1
    if spec.kind == "beyond-limits":
        return (index,)
    if spec.kind == "zone-count":
        lo = max(start, 0)
        if direction > 0:
            return tuple(j for j in range(lo, index + 1) if z[j] > spec.sigma)
        return tuple(j for j in range(lo, index + 1) if z[j] < -spec.sigma)
    return tuple(range(start, index + 1))


def evaluate(
    values: ArrayLike, z: ArrayLike, rules: Sequence[RuleSpec], *, part: str = ""
) -> list[Violation]:
    """Every violation of the enabled rules over a series, ordered by point then rule."""
    v, zz = _as_series(values, z)
    found: list[tuple[int, int, Violation]] = []
    for order, hits in enumerate(rule_hits(v, zz, rules)):
        spec = hits.spec
        messages = {d: describe(spec, d) for d in (1, -1)}
        for i, d in zip(hits.index.tolist(), hits.direction.tolist(), strict=True):
            points = pattern_points(spec, i, d, zz)
            found.append((i, order, Violation(spec.id, i, points, messages[d], part)))
    found.sort(key=lambda t: (t[0], t[1]))
    return [v for _, _, v in found]
