"""Part counts: PLC counter samples turned into increments, and count records.

A PLC part counter is a 16- or 32-bit register that only goes up. A sample
lower than the one before is either a rollover (the register wrapped past its
maximum: the parts made are ``value + 2**bits - previous``) or a restart (the
PLC was power-cycled or the counter reset: the new value is the new base and
nothing is counted for that interval). It is a rollover when the wrapped
increase is plausible: at most ``max_step`` parts, or what ``max_rate`` parts a
second could make since the last sample; by default at most an eighth of the
register's range. Nothing is ever counted negative.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CounterSample:
    at: datetime
    value: int


@dataclass(frozen=True, slots=True)
class Increment:
    """Parts counted between the sample before and this one (``kind``: "count",
    "rollover", or "restart" with count 0)."""

    at: datetime
    count: int
    kind: str = "count"


@dataclass(frozen=True, slots=True)
class Count:
    """Parts made at a moment: ``produced`` all of them (good and scrap), ``scrap`` the
    rejects; ``order`` the work order they were made for, when known. From a kiosk's job
    report or from PLC counter increments (a reject counter's increment is a record with
    scrap only: the parts were already counted as produced by the total counter)."""

    at: datetime
    produced: int = 0
    scrap: int = 0
    order: str | None = None

    @property
    def good(self) -> int:
        return self.produced - self.scrap


def counter_increments(
    samples: Sequence[CounterSample],
    *,
    bits: int = 16,
    max_step: int | None = None,
    max_rate: float | None = None,
) -> list[Increment]:
    """The increments between consecutive samples (sorted by time; the first is the base)."""
    if bits not in (16, 32):
        raise ValueError(f"a PLC counter has 16 or 32 bits, not {bits}")
    size = 1 << bits
    out: list[Increment] = []
    ordered = sorted(samples, key=lambda s: s.at)
    for sample in ordered:
        if not 0 <= sample.value < size:
            raise ValueError(
                f"counter value {sample.value} at {sample.at} does not fit in {bits} bits"
            )
    for prev, cur in zip(ordered, ordered[1:], strict=False):
        if cur.value >= prev.value:
            out.append(Increment(cur.at, cur.value - prev.value))
            continue
        wrapped = cur.value + size - prev.value
        if max_rate is not None:
            limit = math.ceil(max_rate * (cur.at - prev.at).total_seconds()) + 1
        elif max_step is not None:
            limit = max_step
        else:
            limit = size // 8
        if wrapped <= limit:
            out.append(Increment(cur.at, wrapped, "rollover"))
        else:
            out.append(Increment(cur.at, 0, "restart"))
    return out


def counts_from_counters(
    total: Sequence[CounterSample],
    scrap: Sequence[CounterSample] = (),
    *,
    order: str | None = None,
    bits: int = 16,
    max_step: int | None = None,
    max_rate: float | None = None,
) -> list[Count]:
    """Count records from a total-parts counter and (optionally) a reject counter."""
    made = counter_increments(total, bits=bits, max_step=max_step, max_rate=max_rate)
    rejected = counter_increments(scrap, bits=bits, max_step=max_step, max_rate=max_rate)
    out = [Count(i.at, produced=i.count, order=order) for i in made if i.count]
    out += [Count(i.at, scrap=i.count, order=order) for i in rejected if i.count]
    return sorted(out, key=lambda c: c.at)
