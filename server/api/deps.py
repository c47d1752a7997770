"""Shared FastAPI dependencies: database session, authenticated caller."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.security import hash_token
from server.models import Station
from server.settings import Settings

bearer = HTTPBearer(auto_error=False)


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: a station (by its token) or an administrator/integration."""

    station_id: str | None
    admin: bool

    def may_read_station(self, station_id: str) -> bool:
        return self.admin or self.station_id == station_id


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=message,
        headers={"WWW-Authenticate": "Bearer"},
    )


def get_caller(
    engine: EngineDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None or not credentials.credentials:
        raise _unauthorized(
            "missing bearer token: enroll the station with `lineside station enroll`"
        )
    token = credentials.credentials
    if settings.admin_token and hmac.compare_digest(token.encode(), settings.admin_token.encode()):
        return Caller(station_id=None, admin=True)
    with Session(engine) as session:
        station = session.execute(
            select(Station).where(Station.token_hash == hash_token(token))
        ).scalar_one_or_none()
    if station is None:
        raise _unauthorized("unknown station token")
    if station.token_revoked_at is not None:
        raise _unauthorized(f"the token of station {station.id} was revoked: enroll it again")
    return Caller(station_id=station.id, admin=False)


CallerDep = Annotated[Caller, Depends(get_caller)]


def require_station(caller: CallerDep) -> str:
    if caller.station_id is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an enrolled station may post events")
    return caller.station_id


def require_admin(caller: CallerDep) -> Caller:
    if not caller.admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs the administrator token")
    return caller


CurrentStation = Annotated[str, Depends(require_station)]
AdminDep = Annotated[Caller, Depends(require_admin)]
