"""The sync server's FastAPI application."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.api import events, feed, health, lots, quality, spc, trace, work_orders
from server.db import make_engine
from server.migrate import require_migrated
from server.settings import Settings


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app; refuses to start on a database that is not migrated."""
    settings = settings or Settings()
    engine = engine or make_engine(settings.resolved_database_url())
    require_migrated(engine)
    nightly = None
    if settings.reports_dir:
        from server.nightly import NightlyReports

        try:
            nightly = NightlyReports(engine, Path(settings.reports_dir), settings.report_at)
        except ValueError as exc:
            raise RuntimeError(f"LINESIDE_REPORT_AT: {exc}") from None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # What start-up loaded stays; young objects are collected less often: a batch makes
        # thousands of short-lived objects, and full collections would stall its answer.
        gc.collect()
        gc.freeze()
        gc.set_threshold(20_000, 20, 50)
        if nightly is not None:
            nightly.start()
        try:
            yield
        finally:
            if nightly is not None:
                nightly.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="lineside sync server",
        version="0.1.0",
        description="Events in from line-side terminals, reference data out, traceability and quality.",
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.nightly = nightly

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return JSONResponse(
            status_code=422, content={"detail": "; ".join(problems), "errors": problems}
        )

    for module in (health, events, feed, lots, work_orders, quality, trace, spc):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    return app


class BodyLimit:
    """Refuses a request body over ``limit`` bytes with 413: before reading any of it when its
    Content-Length says so, else as soon as more than that has come (a chunked body)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            detail = too_large(self.limit, int(declared))
            await JSONResponse({"detail": detail}, status_code=413)(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                # An HTTPException passes the body parser and becomes the 413 answer.
                raise HTTPException(413, too_large(self.limit, None))
            return message

        await self.app(scope, limited, send)


def too_large(limit: int, size: int | None) -> str:
    """Why a request body is refused, in words."""
    most = f"{limit // 2**20} MiB" if limit % 2**20 == 0 else f"{limit} bytes"
    said = f" {size} bytes," if size is not None else ""
    return f"the request body is{said} more than the server reads ({most}): send smaller batches"


def app_from_environment() -> FastAPI:
    """The app of one server process among several (``lineside server --workers N``)."""
    return create_app(Settings())
