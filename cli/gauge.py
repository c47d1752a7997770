"""`lineside gauge-use DEVICE`: what a gauge (or PLC) measured, and on which lots.

When a gauge fails its calibration, this lists every value it gave since the
last good calibration (``--since``) and the lots they were taken on, with each
lot's status now, to hold or re-inspect (``lineside hold place``).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import UTC, datetime

from cli.common import add_database_option, open_engine


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gauge-use", help="what a gauge measured, and on which lots")
    add_database_option(p)
    p.add_argument("device", help="the gauge's or PLC's name at its station, e.g. micrometer")
    p.add_argument("--since", help="from this date or time (ISO, UTC unless it says otherwise)")
    p.add_argument("--until", help="up to this date or time (exclusive)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def run(args: argparse.Namespace) -> int:
    from server.services.gauge_use import gauge_use

    try:
        since, until = _when(args.since), _when(args.until)
    except ValueError as exc:
        print(f"lineside: {exc} (give a date like 2026-11-01 or 2026-11-01T06:00)")
        return 2
    from cli.plant_time import plant_clock

    engine = open_engine(args, migrate_embedded=False)
    clock = plant_clock(engine)
    use = gauge_use(engine, args.device, since, until)
    if args.json:
        print(json.dumps(asdict(use), default=str, indent=2))
        return 0 if use.measured else 1
    if not use.measured:
        print(
            f"{args.device} took no measurement in that time (is the name as the plant file gives it?)"
        )
        return 1
    print(f"{args.device}: {use.measured} measurements on {len(use.lots)} lots")
    for line in use.lines:
        print(
            f"  {line.characteristic:16} at {line.station:10} {line.measured:6} measured, "
            f"{line.failed} out of tolerance, {clock.show(line.first)} to {clock.show(line.last)}"
        )
    print("lots:")
    for lot in use.lots:
        print(f"  {lot.lot:32} {lot.status or 'not made yet':12} {lot.measured} measured")
    return 0
