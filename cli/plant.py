"""`lineside plant import FILE`."""

from __future__ import annotations

import argparse
import sys

from cli.common import add_database_option, open_engine


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plant", help="validate and load a plant file")
    add_database_option(p)
    p.add_argument("action", choices=["import", "check"])
    p.add_argument("file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from core.plant import PlantFileError, load_plant

    try:
        plant = load_plant(args.file)
    except PlantFileError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    problems = device_problems(plant)
    if problems:
        for problem in problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        return 2
    if args.action == "check":
        print(f"{args.file}: plant {plant.plant.id} version {plant.plant.version} is valid")
        return 0
    from server.services.plant_import import import_plant

    summary = import_plant(open_engine(args, create=True), plant)
    print(summary.describe())
    return 0


def device_problems(plant) -> list[str]:  # type: ignore[no-untyped-def]
    """Station device tables checked against the hardware adapters' schemas."""
    from hardware.config import DeviceConfigError, parse_devices

    problems = []
    for station in plant.stations:
        try:
            parse_devices(station.devices)
        except DeviceConfigError as exc:
            problems.append(f"station {station.id}: {exc}")
    return problems
