"""`lineside demo`: the demo plant on embedded SQLite, server and kiosk in one terminal."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Any

DEMO_PLANT = Path(__file__).resolve().parent.parent / "provisioning" / "plants" / "demo.toml"
DEMO_STATION = "L1-SAW"  # op 10 of SHAFT-12 consumes bar lots: the demo shows material


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the demo plant: server + kiosk on embedded SQLite")
    p.add_argument("--codes", action="store_true", help="print the demo's scannable codes and exit")
    p.add_argument("--json", action="store_true", help="with --codes: one JSON object")
    p.add_argument(
        "--station", default=DEMO_STATION, help=f"kiosk station (default {DEMO_STATION})"
    )
    p.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    p.add_argument(
        "--data", default=None, help="demo data folder (default ~/.local/share/lineside/demo)"
    )
    p.add_argument("--keep", action="store_true", help="keep the previous demo database")
    p.add_argument("--server-only", action="store_true", help="run only the server")
    p.set_defaults(func=run)


def demo_codes() -> dict[str, Any]:
    from core.plant import load_plant

    plant = load_plant(DEMO_PLANT)
    return {
        "plant": plant.plant.id,
        "stations": [{"id": s.id, "name": s.name} for s in plant.stations],
        "badges": [
            {"code": o.badge, "name": o.name, "role": o.role, "pin": o.pin} for o in plant.operators
        ],
        "work_orders": [
            {
                "code": w.number,
                "product": w.product,
                "qty": w.qty,
                "stations": [
                    st
                    for r in plant.routings
                    if r.product == w.product
                    for op in r.operations
                    for st in op.stations
                ],
            }
            for w in plant.work_orders
        ],
        "lots": [
            {"code": lot.id, "part": lot.part, "qty": lot.qty, "supplier_lot": lot.supplier_lot}
            for lot in plant.lots
        ],
        "defect_codes": [
            {"code": d.code, "description": d.description, "severity": d.severity}
            for d in plant.defect_codes
        ],
        "characteristics": [
            {
                "id": c.id,
                "name": c.name,
                "nominal": c.nominal,
                "lsl": c.lsl,
                "usl": c.usl,
                "unit": c.unit,
                "product": r.product,
                "operation": op.seq,
                "stations": op.stations,
            }
            for r in plant.routings
            for op in r.operations
            for c in op.characteristics
        ],
        "commands": ["#DONE", "#CANCEL", "#LOGOUT", "#HOLD", "#CONFIRM"],
    }


def demo_whereabouts() -> dict[str, Any]:
    """Where the demo's server and database are (or were, when it last ran)."""
    from cli.demo_state import default_demo_dir, demo_database_url, read_state

    state = read_state()
    if state is None:
        url = demo_database_url(default_demo_dir())
        return {
            "running": False,
            "server_url": None,
            "database_url": url,
            "database_exists": (default_demo_dir() / "server.db").exists(),
        }
    return {
        "running": state.running,
        "server_url": state.server_url if state.running else None,
        "database_url": state.database_url,
        "database_exists": state.database_path.exists(),
    }


def whereabouts_lines(where: dict[str, Any]) -> list[str]:
    url = where["database_url"]
    if where["running"]:
        return [
            f"Demo server:   {where['server_url']}",
            f"Demo database: {url}",
            "  (lineside commands in another terminal use it while the demo runs; "
            f"or export LINESIDE_DATABASE_URL={url})",
        ]
    if where["database_exists"]:
        return [
            "The demo is not running (`lineside demo` starts it).",
            f"Demo database (from its last run): {url}",
        ]
    return [f"The demo is not running (`lineside demo` starts it; its database will be {url})."]


def print_codes(as_json: bool) -> None:
    codes = demo_codes()
    where = demo_whereabouts()
    if as_json:
        print(json.dumps({**codes, "demo": where}, indent=2))
        return
    print(f"Demo plant {codes['plant']} — codes to scan or type\n")
    print("\n".join(whereabouts_lines(where)) + "\n")
    print("Badges:")
    for b in codes["badges"]:
        print(f"  {b['code']:10} {b['name']:18} {b['role']:17} PIN {b['pin']}")
    print("Work orders:")
    for w in codes["work_orders"]:
        print(
            f"  {w['code']:10} {w['product']:12} qty {w['qty']:<6g} stations {', '.join(w['stations'])}"
        )
    print("Lots:")
    for lot in codes["lots"]:
        print(f"  {lot['code']:18} {lot['part']:12} qty {lot['qty']:g}")
    print("Defect codes:")
    for d in codes["defect_codes"]:
        print(f"  {d['code']:18} {d['severity']:8} {d['description']}")
    print("Commands:  " + "  ".join(codes["commands"]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare_demo_database(data_dir: Path, keep: bool = False) -> str:
    """A migrated SQLite database holding the demo plant; returns its URL."""
    from cli.demo_state import demo_database_url
    from core.plant import load_plant
    from server.db import make_engine
    from server.migrate import upgrade
    from server.services.plant_import import import_plant

    if data_dir.exists() and not keep:
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    url = demo_database_url(data_dir)
    engine = make_engine(url)
    upgrade(engine)
    import_plant(engine, load_plant(DEMO_PLANT))
    freeze_demo_limits(engine)
    engine.dispose()
    return url


#: Control limits the demo ships frozen, as a quality engineer would after a capability
#: study: (characteristic, process mean, process sigma).
DEMO_LIMITS = (("SHAFT-DIA", 12.0, 0.002), ("PUMP-PRESS-FORCE", 3.2, 0.15))


def freeze_demo_limits(engine: Any) -> None:
    """Freeze the demo's control limits once (a kept database keeps its versions)."""
    from sqlmodel import Session

    from core.spc import parse_rules
    from server.spc import service as spc

    for characteristic, center, sigma in DEMO_LIMITS:
        with Session(engine) as session:
            if spc.next_version(session, characteristic) > 1:
                continue
            limits = spc.standard(session, characteristic, center=center, sigma=sigma)
        spc.freeze_limits(
            engine, characteristic, limits, badge="EMP1010",
            reason="demo: limits from the process capability study", rules=parse_rules(spc.DEFAULT_RULES),
        )  # fmt: skip


class ServerThread:
    """uvicorn in a background thread (demo and tests)."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        import uvicorn

        self.config = uvicorn.Config(app, host=host, port=port, log_level="error", lifespan="on")
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="lineside-server")
        self.url = f"http://{host}:{port}"

    def start(self, timeout: float = 15.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def run(args: argparse.Namespace) -> int:
    if args.codes:
        print_codes(args.json)
        return 0
    from cli.demo_state import DemoState, default_demo_dir, mark_stopped, read_state, write_state
    from server.app import create_app
    from server.db import make_engine
    from server.services.stations import enroll
    from server.settings import Settings

    data_dir = (Path(args.data) if args.data else default_demo_dir()).resolve()
    running = read_state()
    if running is not None and running.running and Path(running.data_dir) == data_dir:
        print(
            f"lineside demo: already running (process {running.pid}, "
            f"server {running.server_url}, database {running.database_url}); "
            "`lineside demo --codes` shows what to scan"
        )
        return 2
    url = prepare_demo_database(data_dir, keep=args.keep)
    engine = make_engine(url)
    settings = Settings(
        database_url=url, demo=True, admin_token=os.environ.get("LINESIDE_ADMIN_TOKEN", "change-me")
    )
    token = enroll(engine, args.station)
    port = args.port or free_port()
    server = ServerThread(create_app(settings, engine), "127.0.0.1", port)
    server.start()
    write_state(DemoState(server.url, url, str(data_dir), args.station, os.getpid()))
    print(f"lineside demo: plant {demo_codes()['plant']}")
    print("\n".join(whereabouts_lines(demo_whereabouts())), flush=True)
    try:
        if args.server_only or not _kiosk_available():
            print("Press Ctrl+C to stop. `lineside demo --codes` lists what to scan.", flush=True)
            while True:
                time.sleep(3600)
        from kiosk.app import run_kiosk

        return run_kiosk(
            station_id=args.station,
            server_url=server.url,
            token=token,
            data_dir=data_dir / "kiosk" / args.station,  # each station its own outbox and cache
            demo_hints=True,
            fake_devices=True,  # the demo plant's devices are not on this machine
        )
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()
        mark_stopped(os.getpid())


def _kiosk_available() -> bool:
    try:
        import kiosk.app  # noqa: F401
    except ImportError:
        return False
    return True
