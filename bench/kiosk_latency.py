"""Kiosk figures: scan-to-verdict time, replay throughput, start-up time and memory.

Run: ``.venv/bin/python bench/kiosk_latency.py [--measurements 200] [--replay-jobs 100]``

- scan-to-verdict: a wedge-scanner burst (one key event per character, then
  Enter) posted to the running app until the PASS/FAIL panel shows the value;
  the event is on disk (fsync) before that.
- replay: events/s through ``lineside kiosk --replay`` logic (flow, outbox
  with fsync, push to a real server on loopback, drained at the end).
- start-up and resident memory of a kiosk process (headless Textual, cache
  already synced), measured in a child process.

Everything runs against a real server on loopback over an embedded SQLite
database holding the demo plant.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def start_server(data: Path) -> tuple[object, str, object]:
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
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def scan_to_verdict(url: str, token: str, data: Path, n: int) -> list[float]:
    from textual import events

    from kiosk.app import build_app
    from kiosk.config import KioskConfig
    from screens.widgets import VerdictPanel

    app = build_app(
        KioskConfig(
            station_id="L1-TURN", server_url=url, token=token, data_dir=data, feed_wait_s=2.0
        )
    )
    times: list[float] = []

    async def burst(text: str) -> None:
        for ch in text:
            app.post_message(events.Key(ch, ch))
        app.post_message(events.Key("enter", "\r"))

    async with app.run_test(size=(80, 24)) as pilot:
        while not app.service.cache.ready:
            await pilot.pause(0.02)
        for entry in ("EMP1001", "WO-1002"):
            await burst(entry)
            await pilot.pause()
        await pilot.pause(0.1)
        for i in range(n):
            value = f"{12.0 + (i % 7) * 0.01 - 0.03:.3f}"  # mix of PASS and FAIL
            started = time.perf_counter()
            await burst(value)
            while True:
                await pilot.pause(0)
                screen = app.screen
                panels = list(screen.query(VerdictPanel)) if screen.is_mounted else []
                text = str(panels[0].query_one("#verdict-detail").render()) if panels else ""
                if f"= {float(value):g} mm" in text and app.service.outbox.last_seq() >= 3 + i:
                    break
            times.append(time.perf_counter() - started)
            # pick the diameter again for the next reading
            await burst("SHAFT-DIA")
            await pilot.pause()
        while app.service.outbox.pending_count():
            await pilot.pause(0.05)
    app.service.close()
    return times


async def replay_rate(url: str, token: str, data: Path, jobs: int) -> tuple[int, float]:
    from kiosk.config import KioskConfig
    from kiosk.replay import replay

    lines = ["EMP1002"]
    for _ in range(jobs):
        lines += ["WO-1002", "12.001", "150.02", "DEF-CHATTER", "1", "#DONE", "99", ""]
    out = io.StringIO()
    config = KioskConfig(
        station_id="L1-TURN", server_url=url, token=token, data_dir=data, feed_wait_s=2.0
    )
    started = time.perf_counter()
    code = await replay(config, [line + "\n" for line in lines], out, timeout=120)
    elapsed = time.perf_counter() - started
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert code == 0, records[-1]
    events = sum(len(r.get("events", [])) for r in records)
    return events, elapsed


STARTUP_CHILD = r"""
import asyncio, resource, sys, time
started = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from kiosk.app import build_app
from kiosk.config import KioskConfig
from screens.base import KioskScreen
async def main():
    app = build_app(KioskConfig(station_id="L1-TURN", server_url=sys.argv[2], token=sys.argv[3],
                                data_dir=__import__("pathlib").Path(sys.argv[4]), feed_wait_s=2.0))
    async with app.run_test(size=(80, 24)) as pilot:
        while not isinstance(app.screen, KioskScreen) or not app.screen.is_mounted:
            await pilot.pause(0.005)
        ready = time.perf_counter() - started
        await pilot.pause(0.5)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    app.service.close()
    print(f"{ready:.3f} {rss}")
asyncio.run(main())
"""


def startup(url: str, token: str, data: Path) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", STARTUP_CHILD, str(ROOT), url, token, str(data)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measurements", type=int, default=200)
    parser.add_argument("--replay-jobs", type=int, default=100)
    args = parser.parse_args()
    from server.services.stations import enroll

    with tempfile.TemporaryDirectory(prefix="lineside-bench-") as tmp:
        data = Path(tmp)
        server, url, engine = start_server(data)
        try:
            token = enroll(engine, "L1-TURN")
            times = asyncio.run(scan_to_verdict(url, token, data / "ui", args.measurements))
            ms = [t * 1000 for t in times]
            print(f"scan-to-verdict ({len(ms)} bursts of 5-6 keys + Enter, fsync included):")
            print(
                f"  median {statistics.median(ms):.1f} ms   p95 {pct(ms, 0.95):.1f} ms"
                f"   max {max(ms):.1f} ms"
            )
            events, elapsed = asyncio.run(
                replay_rate(url, token, data / "replay", args.replay_jobs)
            )
            print(
                f"replay: {events} events in {elapsed:.2f} s = {events / elapsed:.0f} events/s "
                f"(flow + outbox fsync + push to the server, drained)"
            )
            ready, rss = startup(url, token, data / "ui")
            print(
                f"kiosk start-up to first screen: {ready * 1000:.0f} ms "
                "(imports included, cache warm)"
            )
            print(f"kiosk resident memory (max RSS): {rss:.0f} MiB")
        finally:
            server.stop()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
