"""The `lineside` command: one entry point, one module per subcommand.

Each subcommand module exposes ``add_parser(subparsers)`` which registers its
parser and sets ``func`` (a callable taking the parsed namespace and returning
an exit code). Modules are imported only when listed here; heavy imports
(server, Textual) happen inside ``func`` so ``lineside --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Subcommand modules, in the order they appear in --help.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "cli.demo",
    "cli.server_cmd",
    "cli.kiosk_cmd",
    "cli.station",
    "cli.plant",
    "cli.audit",
    "cli.trace",
    "cli.recall",
    "cli.hold",
    "cli.ncr",
    "cli.spc",
    "cli.spc_limits",
    "cli.print_cmd",
    "cli.report",
    "cli.gauge",
    "cli.schedule",
    "cli.msa",
    "cli.aql",
    "cli.order",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lineside",
        description="lineside: integrated QMS + MES for the factory floor.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # subcommand not shipped in this build
            raise
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        code = func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
