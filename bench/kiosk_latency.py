"""Kiosk figures: scan-to-verdict time, replay throughput, start-up time and memory.

Run: ``.venv/bin/python bench/kiosk_latency.py [--measurements 200] [--replay-jobs 12] [--json]``

- replay: a shift on line 1 through ``lineside kiosk --replay`` logic (flow,
  outbox with fsync, push to the server, drained): the saw cuts bar
  LOT-BAR-261101/261102 into new lots for WO-1001 and WO-1002, and each new
  lot then goes through the lathe, the grinder and final inspection, its
  traveler scanned at each. Every event must be accepted: a step the flow
  refuses, an event the server rejects or a job that does not complete stops
  the bench with exit code 1.
- scan-to-verdict: in a kiosk process of its own at L1-TURN, a wedge-scanner
  burst (one key event per character, then Enter) posted to the running app
  until the PASS/FAIL panel shows the value; the event is on disk (fsync)
  before that. The baseline is the same bursts in another kiosk process whose
  garbage collector is left as CPython sets it (``KioskApp.settle_gc`` off).
- start-up to the first screen (imports included, cache already synced) and
  the peak resident memory (VmHWM of the kiosk process itself, read from
  ``/proc/<pid>/status``; the scanning kiosk's and the one only started).

Everything runs against a real server on loopback (in this process) over an
embedded SQLite database holding the demo plant.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()  # a kiosk child's start-up counts from here (imports included)
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: The opening work in process waiting at the lathe: one lot for the baseline, one measured.
BASELINE_LOT, MEASURED_LOT = "LOT-SHAFT-261104", "LOT-SHAFT-261105"
#: Bar in stock (m); the saw consumes 0.16 m per part of the work order's quantity.
BAR_LOTS = {"LOT-BAR-261101": 120.0, "LOT-BAR-261102": 96.0}
#: Work orders the saw cuts for, in turn: (number, qty); good parts per saw job.
SAW_ORDERS = (("WO-1001", 50), ("WO-1002", 100))
SAW_GOOD = 4
MAX_SAW_JOBS = 16  # the bar in stock and the work orders' quantities allow no more
SHIFT = {  # station: (operator, readings per job as (characteristic, nominal, step))
    "L1-SAW": ("EMP1003", (("SHAFT-CUT-LEN", 155.0, 0.05),)),
    "L1-TURN": ("EMP1002", (("SHAFT-DIA", 12.0, 0.002), ("SHAFT-LEN", 150.0, 0.01))),
    "L1-GRIND": ("EMP1004", (("SHAFT-DIA-G", 12.006, 0.001), ("SHAFT-RA", 0.4, 0.02))),
    "L1-INSP": ("EMP1005", (("SHAFT-RUNOUT", 0.004, 0.001),)),
}


class BenchFailed(Exception):
    """A figure could not be measured as it should (an event refused, a job not done)."""


def start_server(data: Path) -> tuple[Any, str, Any]:
    from cli.demo import ServerThread, free_port, prepare_demo_database
    from server.app import create_app
    from server.db import make_engine
    from server.settings import Settings

    url = prepare_demo_database(data / "server")
    engine = make_engine(url)
    server = ServerThread(
        create_app(Settings(database_url=url, admin_token="bench-admin-token-000"), engine),
        "127.0.0.1",
        free_port(),
    )
    server.start()
    return server, server.url, engine


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile as the value at index ``q * n`` (p99 of 200 is the second largest)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def vmhwm_kib(pid: int) -> int:
    """Peak resident memory of process ``pid`` (kB), as the kernel counts it for that process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise BenchFailed(f"no VmHWM in /proc/{pid}/status")


# --- the kiosk in its own process ---------------------------------------------------------


async def kiosk_child(args: argparse.Namespace) -> dict[str, Any]:
    """Start a kiosk at L1-TURN, then (``--measurements`` > 0) scan readings into a job."""
    import gc

    from textual import events

    from kiosk.app import build_app
    from kiosk.config import KioskConfig
    from screens.base import KioskScreen
    from screens.widgets import VerdictPanel

    app = build_app(
        KioskConfig(
            station_id="L1-TURN",
            server_url=args.url,
            token=args.token,
            data_dir=Path(args.data),
            feed_wait_s=2.0,
            fake_devices=True,  # the wedge decoder as on the floor; no real gauge, PLC, printer
        )
    )
    app.settle_gc = not args.gc_as_is
    result: dict[str, Any] = {"pid": os.getpid()}
    pauses: list[float] = []  # full collections
    young: list[float] = []  # collections of generations 0 and 1
    gc_started = 0.0

    def on_gc(phase: str, info: dict[str, int]) -> None:
        nonlocal gc_started
        if phase == "start":
            gc_started = time.perf_counter()
        else:
            took = (time.perf_counter() - gc_started) * 1000
            (pauses if info["generation"] == 2 else young).append(took)

    def burst(text: str) -> None:
        for ch in text:
            app.post_message(events.Key(ch, ch))
        app.post_message(events.Key("enter", "\r"))

    async with app.run_test(size=(80, 24)) as pilot:
        while not isinstance(app.screen, KioskScreen) or not app.screen.is_mounted:
            await pilot.pause(0.005)
        result["startup_ms"] = (time.perf_counter() - STARTED) * 1000
        while not app.service.cache.ready:
            await pilot.pause(0.02)
        await pilot.pause(0.3)  # start-up done: the kiosk has settled its collector
        times: list[float] = []
        if args.measurements:
            for entry in ("EMP1001", args.lot):  # the lot's traveler starts its job here
                burst(entry)
                await pilot.pause()
            await pilot.pause(0.1)
            job = app.service.state.job
            if job is None or job.input_lot != args.lot:
                last = app.service.last
                raise BenchFailed(f"no job on {args.lot}: {last.message.text if last else '-'}")
            gc.callbacks.append(on_gc)
            for i in range(args.measurements):
                value = f"{12.0 + (i % 7) * 0.01 - 0.03:.3f}"  # mix of PASS and FAIL
                started = time.perf_counter()
                burst(value)
                while True:
                    await pilot.pause(0)
                    screen = app.screen
                    panels = list(screen.query(VerdictPanel)) if screen.is_mounted else []
                    text = str(panels[0].query_one("#verdict-detail").render()) if panels else ""
                    if f"= {float(value):g} mm" in text and app.service.outbox.last_seq() >= 3 + i:
                        break
                times.append((time.perf_counter() - started) * 1000)
                # pick the diameter again for the next reading
                burst("SHAFT-DIA")
                await pilot.pause()
            gc.callbacks.remove(on_gc)
            deadline = time.monotonic() + 60
            while app.service.outbox.pending_count() and time.monotonic() < deadline:
                await pilot.pause(0.05)
        result.update(
            times_ms=times,
            full_gc_ms=pauses,
            young_gc_ms=young,
            queued=app.service.outbox.pending_count(),
            refused=[f"{e.type}: {e.reason}" for e in app.service.rejections()],
            vmhwm_kib=vmhwm_kib(os.getpid()),
        )
    app.service.close()
    return result


def run_kiosk(
    url: str, token: str, data: Path, measurements: int, lot: str, gc_as_is: bool = False
) -> dict[str, Any]:
    """One kiosk process (``--kiosk-child``); its figures, or BenchFailed with its error."""
    command = [sys.executable, str(Path(__file__).resolve()), "--kiosk-child", "--url", url]
    command += ["--token", token, "--data", str(data), "--lot", lot]
    command += ["--measurements", str(measurements)] + (["--gc-as-is"] if gc_as_is else [])
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise BenchFailed(f"the kiosk process failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    if result["refused"] or result["queued"]:
        raise BenchFailed(
            f"kiosk on {lot}: {result['queued']} events still queued, refused: {result['refused']}"
        )
    return result


# --- the replayed shift ---------------------------------------------------------------------


@dataclass
class StationRun:
    station: str
    jobs: int
    events: int
    seconds: float
    output_lots: list[str]


def readings(station: str, job: int) -> list[str]:
    """Values inside the limits that wander a little, as a real process does."""
    wobble = (0, 1, -1, 2, -2, 1, 0, -1)[job % 8]
    return [f"{nominal + wobble * step:.4f}" for _, nominal, step in SHIFT[station][1]]


def saw_script(jobs: int) -> list[str]:
    """Saw jobs for WO-1001 and WO-1002 in turn, bar scanned until each job has what it needs."""
    left = dict(BAR_LOTS)
    lines = [SHIFT["L1-SAW"][0]]
    for job in range(jobs):
        number, qty = SAW_ORDERS[job % len(SAW_ORDERS)]
        lines.append(number)
        need = round(0.16 * qty, 6)
        for lot in left:
            if need <= 0:
                break
            if left[lot] > 0:
                lines.append(lot)
                took = min(need, left[lot])
                left[lot], need = round(left[lot] - took, 6), round(need - took, 6)
        if need > 0:
            raise BenchFailed(f"saw job {job + 1}: not enough bar in stock")
        lines += readings("L1-SAW", job) + ["#DONE", str(SAW_GOOD), "0"]
    return lines + ["#LOGOUT"]


def lot_script(station: str, lots: list[str]) -> list[str]:
    """One job per lot at ``station``: its traveler, the readings, all of it good."""
    lines = [SHIFT[station][0]]
    for job, lot in enumerate(lots):
        lines += [lot, *readings(station, job), "#DONE", str(SAW_GOOD), "0"]
    return lines + ["#LOGOUT"]


async def replay_station(
    url: str, station: str, token: str, data: Path, lines: list[str]
) -> StationRun:
    from kiosk.config import KioskConfig
    from kiosk.replay import replay

    out = io.StringIO()
    config = KioskConfig(
        station_id=station, server_url=url, token=token, data_dir=data / station, feed_wait_s=2.0
    )
    started = time.perf_counter()
    code = await replay(config, [line + "\n" for line in lines], out, timeout=120)
    elapsed = time.perf_counter() - started
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    problems = [
        f"{r['entry']!r}: {r['message']['text']}"
        for r in records
        if "entry" in r and r["message"]["level"] == "error"
    ]
    problems += [
        f"refused {r['refusal']['what']}: {r['refusal']['reason']}"
        for r in records
        if "refusal" in r
    ]
    steps = [r for r in records if "entry" in r]
    completed = [e for r in steps for e in r["events"] if e["type"] == "JobCompleted"]
    expected = sum(1 for line in lines if line == "#DONE")
    if len(completed) != expected:
        problems.append(f"{len(completed)} of {expected} jobs completed")
    if code != 0 or problems:
        raise BenchFailed(
            f"replay at {station} (exit {code}): " + "; ".join(problems or [str(records[-1])])
        )
    return StationRun(
        station=station,
        jobs=len(completed),
        events=sum(len(r["events"]) for r in steps),
        seconds=elapsed,
        output_lots=[e["payload"]["output_lot"] for e in completed],
    )


async def replay_shift(url: str, tokens: dict[str, str], data: Path, jobs: int) -> list[StationRun]:
    """The saw's lots, then each through the lathe, the grinder and inspection."""
    runs = [await replay_station(url, "L1-SAW", tokens["L1-SAW"], data, saw_script(jobs))]
    lots = runs[0].output_lots
    for station in ("L1-TURN", "L1-GRIND", "L1-INSP"):
        runs.append(
            await replay_station(url, station, tokens[station], data, lot_script(station, lots))
        )
    return runs


# --- figures ----------------------------------------------------------------------------


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from server.services.stations import enroll

    with tempfile.TemporaryDirectory(prefix="lineside-bench-") as tmp:
        data = Path(tmp)
        server, url, engine = start_server(data)
        try:
            tokens = {station: enroll(engine, station) for station in SHIFT}
            runs = asyncio.run(replay_shift(url, tokens, data / "replay", args.replay_jobs))
            turn = tokens["L1-TURN"]
            n = args.measurements
            baseline = run_kiosk(url, turn, data / "ui-baseline", n, BASELINE_LOT, gc_as_is=True)
            measured = run_kiosk(url, turn, data / "ui", n, MEASURED_LOT)
            started = run_kiosk(url, turn, data / "ui", 0, MEASURED_LOT)  # cache warm now
        finally:
            server.stop()
    ms, base = measured["times_ms"], baseline["times_ms"]
    events = sum(r.events for r in runs)
    seconds = sum(r.seconds for r in runs)
    return {
        "bursts": len(ms),
        "p50_ms": statistics.median(ms),
        "p95_ms": pct(ms, 0.95),
        "p99_ms": pct(ms, 0.99),
        "max_ms": max(ms),
        "full_gc": len(measured["full_gc_ms"]),
        "full_gc_max_ms": max(measured["full_gc_ms"], default=0.0),
        "young_gc": len(measured["young_gc_ms"]),
        "young_gc_max_ms": max(measured["young_gc_ms"], default=0.0),
        "baseline_p50_ms": statistics.median(base),
        "baseline_p99_ms": pct(base, 0.99),
        "baseline_max_ms": max(base),
        "baseline_full_gc": len(baseline["full_gc_ms"]),
        "baseline_full_gc_max_ms": max(baseline["full_gc_ms"], default=0.0),
        "ratio": pct(ms, 0.99) / pct(base, 0.99),
        "startup_ms": started["startup_ms"],
        "vmhwm_mib": measured["vmhwm_kib"] / 1024,
        "startup_vmhwm_mib": started["vmhwm_kib"] / 1024,
        "replay_jobs": sum(r.jobs for r in runs),
        "replay_events": events,
        "replay_s": seconds,
        "replay_events_per_s": events / seconds,
        "replay_stations": {r.station: {"jobs": r.jobs, "events": r.events} for r in runs},
    }


def report(f: dict[str, Any]) -> None:
    print(f"scan-to-verdict ({f['bursts']} bursts of 5-6 keys + Enter, fsync included):")
    print(
        f"  median {f['p50_ms']:.1f} ms   p95 {f['p95_ms']:.1f} ms   p99 {f['p99_ms']:.1f} ms"
        f"   max {f['max_ms']:.1f} ms"
    )
    print(
        f"  full collections during the bursts: {f['full_gc']},"
        f" longest {f['full_gc_max_ms']:.1f} ms; of young objects: {f['young_gc']},"
        f" longest {f['young_gc_max_ms']:.1f} ms"
    )
    print(
        f"  baseline, collector as CPython sets it: median {f['baseline_p50_ms']:.1f} ms"
        f"   p99 {f['baseline_p99_ms']:.1f} ms   max {f['baseline_max_ms']:.1f} ms"
        f"   ({f['baseline_full_gc']} full collections, longest"
        f" {f['baseline_full_gc_max_ms']:.1f} ms)"
    )
    print(f"  p99 / baseline p99: {f['ratio']:.2f}")
    stations = ", ".join(f"{s} {r['jobs']}" for s, r in f["replay_stations"].items())
    print(
        f"replay: a shift of {f['replay_jobs']} jobs ({stations}): {f['replay_events']} events"
        f" in {f['replay_s']:.2f} s = {f['replay_events_per_s']:.0f} events/s"
        " (flow + outbox fsync + push to the server, drained, every event accepted)"
    )
    print(
        f"kiosk start-up to first screen: {f['startup_ms']:.0f} ms (imports included, cache warm)"
    )
    print(
        f"kiosk peak resident memory (VmHWM of its own process): {f['vmhwm_mib']:.0f} MiB after"
        f" the bursts, {f['startup_vmhwm_mib']:.0f} MiB only started"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measurements", type=int, default=200)
    parser.add_argument(
        "--replay-jobs", type=int, default=12, help=f"saw jobs, at most {MAX_SAW_JOBS}"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    child = parser.add_argument_group("a kiosk process of the bench (internal)")
    child.add_argument("--kiosk-child", action="store_true", help=argparse.SUPPRESS)
    child.add_argument("--url", help=argparse.SUPPRESS)
    child.add_argument("--token", help=argparse.SUPPRESS)
    child.add_argument("--data", help=argparse.SUPPRESS)
    child.add_argument("--lot", help=argparse.SUPPRESS)
    child.add_argument("--gc-as-is", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.kiosk_child:
        print(json.dumps(asyncio.run(kiosk_child(args))))
        return 0
    if not 1 <= args.replay_jobs <= MAX_SAW_JOBS:
        parser.error(f"--replay-jobs: 1 to {MAX_SAW_JOBS} (bar in stock, work order quantities)")
    if args.measurements < 1:
        parser.error("--measurements: at least 1")
    try:
        figures = measure(args)
    except BenchFailed as exc:
        print(f"kiosk bench FAILED: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(figures))
    else:
        report(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
