"""SPC benchmark: batch rule throughput and streaming cost per point.

Run: .venv/bin/python bench/spc.py   (takes well under two minutes)

Prints
- batch (vectorised numpy) evaluation of the WE and Nelson rule sets on 1M points,
  with and without building Violation objects, in points/s;
- the same rules in a naive pure-Python per-point loop (each rule re-reads its
  window) over 100k points, extrapolated to 1M, and the speed-up ratio;
- RuleStream (bounded state) cost per point at history lengths 10^3, 10^5, 10^6,
  which should stay flat, and ChartStream cost per point (limits + rules).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.spc import (  # noqa: E402
    ChartStream,
    RuleSpec,
    RuleStream,
    evaluate,
    rule_hits,
    rule_set,
    standard_limits,
)

BATCH_POINTS = 1_000_000
NAIVE_POINTS = 100_000
HISTORIES = (1_000, 100_000, 1_000_000)
WINDOW = 20_000  # points timed at each history length


def naive_flags(values: list[float], rules: tuple[RuleSpec, ...]) -> int:
    """Per-point pure-Python evaluation, re-reading each rule's window; returns hit count."""
    hits = 0
    n = len(values)
    for i in range(n):
        for spec in rules:
            run, s, k = spec.run, spec.sigma, spec.kind
            lo = i - run + 1
            if k == "beyond-limits":
                hits += values[i] > s or values[i] < -s
            elif k == "zone-count":
                window = values[max(lo, 0) : i + 1]
                up = values[i] > s and sum(v > s for v in window) >= spec.hits
                down = values[i] < -s and sum(v < -s for v in window) >= spec.hits
                hits += up or down
            elif lo < 0:
                continue
            elif k == "same-side":
                window = values[lo : i + 1]
                hits += all(v > 0 for v in window) or all(v < 0 for v in window)
            elif k == "trend":
                steps = [values[j] - values[j - 1] for j in range(lo + 1, i + 1)]
                hits += all(d > 0 for d in steps) or all(d < 0 for d in steps)
            elif k == "alternating":
                steps = [values[j] - values[j - 1] for j in range(lo + 1, i + 1)]
                hits += all(d != 0 for d in steps) and all(
                    a * b < 0 for a, b in zip(steps, steps[1:], strict=False)
                )
            elif k == "within":
                hits += all(abs(v) < s for v in values[lo : i + 1])
            else:
                hits += all(abs(v) > s for v in values[lo : i + 1])
    return hits


def best_of(repeats: int, fn: object) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(2026)
    z = rng.standard_normal(BATCH_POINTS)
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")
    print(f"\nBatch rule evaluation, {BATCH_POINTS:,} points (best of 3)")
    print(
        f"{'rule set':<10}{'hits only':>14}{'points/s':>16}{'+ Violations':>15}{'points/s':>16}"
        f"{'violations':>12}"
    )
    batch_rate = {}
    for name in ("we", "nelson"):
        rules = rule_set(name)
        t_hits = best_of(3, lambda rules=rules: rule_hits(z, z, rules))
        start = time.perf_counter()
        found = evaluate(z, z, rules)
        t_full = time.perf_counter() - start
        batch_rate[name] = BATCH_POINTS / t_hits
        print(
            f"{name:<10}{t_hits * 1e3:>11.1f} ms{BATCH_POINTS / t_hits:>16,.0f}"
            f"{t_full * 1e3:>12.1f} ms{BATCH_POINTS / t_full:>16,.0f}{len(found):>12,}"
        )

    print(f"\nNaive pure-Python per-point loop, {NAIVE_POINTS:,} points, extrapolated to 1M")
    values = z[:NAIVE_POINTS].tolist()
    for name in ("we", "nelson"):
        rules = rule_set(name)
        start = time.perf_counter()
        naive_flags(values, rules)
        elapsed = time.perf_counter() - start
        per_million = elapsed * BATCH_POINTS / NAIVE_POINTS
        ratio = per_million * batch_rate[name] / BATCH_POINTS
        print(
            f"{name:<10}{elapsed:>8.2f} s for 100k -> {per_million:>7.1f} s for 1M "
            f"({NAIVE_POINTS / elapsed:>9,.0f} points/s); vectorised is {ratio:,.0f}x faster"
        )

    print(f"\nStreaming RuleStream (nelson rules), cost per point over {WINDOW:,} points")
    stream = RuleStream(rule_set("nelson"))
    series = rng.standard_normal(max(HISTORIES) + WINDOW).tolist()
    pushed = 0
    for history in HISTORIES:
        while pushed < history:  # grow the history without timing it
            x = series[pushed]
            stream.push(x, x)
            pushed += 1
        start = time.perf_counter()
        for x in series[pushed : pushed + WINDOW]:
            stream.push(x, x)
        elapsed = time.perf_counter() - start
        pushed += WINDOW
        print(f"  history {history:>9,}: {elapsed / WINDOW * 1e6:6.2f} us/point")

    print(f"\nStreaming ChartStream (I-MR, limits + nelson rules), cost per point over {WINDOW:,}")
    limits = standard_limits("imr", center=0.0, sigma=1.0)
    chart_stream = ChartStream(limits, rule_set("nelson"))
    done = 0
    for history in (1_000, 100_000):
        while done < history:
            chart_stream.push_value(series[done])
            done += 1
        start = time.perf_counter()
        for x in series[done : done + WINDOW]:
            chart_stream.push_value(x)
        elapsed = time.perf_counter() - start
        done += WINDOW
        print(f"  history {history:>9,}: {elapsed / WINDOW * 1e6:6.2f} us/point")


if __name__ == "__main__":
    main()
