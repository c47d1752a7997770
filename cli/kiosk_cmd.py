"""`lineside kiosk`: the station kiosk (Textual), or a headless replay of scans."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "kiosk",
        help="run a station kiosk (scanner + keyboard), or replay scans headless",
        description=(
            "Run the line-side kiosk for one station. With --replay, feed one scan or typed "
            "entry per line through the same flow without the UI and print one JSON line per step."
        ),
    )
    p.add_argument(
        "--station", required=True, help="station id, as in the plant file (e.g. L1-SAW)"
    )
    p.add_argument("--server", required=True, help="sync server URL, e.g. http://10.0.0.5:8470")
    p.add_argument("--token", default=None, help="station token (default: $LINESIDE_STATION_TOKEN)")
    p.add_argument(
        "--data-dir",
        default=None,
        help="outbox and cache folder (default ~/.local/share/lineside/kiosk/STATION)",
    )
    p.add_argument(
        "--replay",
        metavar="FILE",
        default=None,
        help="headless: read entries from FILE ('-' for stdin)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="replay: seconds to wait for the outbox to drain (default 30)",
    )
    p.add_argument(
        "--no-resume",
        dest="resume",
        action="store_false",
        help=(
            "replay: start at line 1 even if this data dir already recorded the first lines "
            "of FILE (by default a replay restarted after a crash carries on where it stopped)"
        ),
    )
    p.add_argument(
        "--idle-timeout",
        type=float,
        default=15.0,
        help="minutes without a scan before logout (0: never)",
    )
    p.add_argument(
        "--theme", default="ansi-dark", help="Textual theme (ansi-dark, ansi-light, ...)"
    )
    p.add_argument(
        "--fake-devices",
        action="store_true",
        help="use in-memory fakes instead of the station's scanners, gauges, PLC and printer",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kiosk.config import TOKEN_ENV, KioskConfig

    idle = timedelta(minutes=args.idle_timeout) if args.idle_timeout > 0 else None
    config = KioskConfig(
        station_id=args.station,
        server_url=args.server,
        token=args.token,
        data_dir=Path(args.data_dir) if args.data_dir else None,
        idle_timeout=idle,
        fake_devices=args.fake_devices,
    )
    if not config.resolved_token:
        print(
            f"lineside kiosk: no station token: pass --token or set {TOKEN_ENV} "
            "(`lineside station enroll STATION` issues one)",
            file=sys.stderr,
        )
        return 2
    if args.replay is not None:
        import asyncio

        from kiosk.replay import replay

        source = sys.stdin if args.replay == "-" else open(args.replay, encoding="utf-8")  # noqa: SIM115
        try:
            return asyncio.run(
                replay(config, source, sys.stdout, timeout=args.timeout, resume=args.resume)
            )
        finally:
            if source is not sys.stdin:
                source.close()
    from kiosk.app import _log_to_file, build_app

    _log_to_file(config.resolved_data_dir)
    app = build_app(config, theme=args.theme)
    try:
        return int(app.run() or 0)
    finally:
        app.service.close()
