"""`lineside ncr disposition` never sends an empty PIN: with no terminal to ask on and no
--pin it refuses, and nothing counts toward the signer's lockout."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cli.main import main
from core.quality.signing import LOCKOUT_AFTER
from server.models import EventLog
from server.models_quality import SignFailure
from tests.cli.helpers import open_ncr, url


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def sign_failures(engine: Engine) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(SignFailure)).scalar_one()


def signature_events(engine: Engine) -> list[str]:
    kinds = ("DispositionSigned", "SignatureRefused")
    with Session(engine) as session:
        found = session.execute(select(EventLog.type).where(EventLog.type.in_(kinds)))  # type: ignore[attr-defined]
        return list(found.scalars())


@pytest.fixture
def ncr(engine: Engine) -> str:
    return open_ncr(engine, "seal lot past shelf life", ["LOT-SEAL-261101"], datetime.now(UTC))


def sign(engine: Engine, ncr: str, *extra: str) -> list[str]:
    return ["ncr", "disposition", ncr, "--kind", "scrap", "--badge", "EMP1010",
            "--database-url", url(engine), *extra]  # fmt: skip


def test_without_a_terminal_and_without_pin_it_refuses(
    engine: Engine, ncr: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    for _ in range(LOCKOUT_AFTER + 1):  # more than the wrong PINs that would lock signing
        assert main(sign(engine, ncr)) == 2
        err = capsys.readouterr().err
        assert "no terminal to ask on" in err and "--pin" in err and "LINESIDE_PIN" in err
        assert "Nothing was signed" in err
    assert sign_failures(engine) == 0 and signature_events(engine) == []
    assert main(sign(engine, ncr, "--pin", "1010")) == 0  # not locked out
    assert "scrap signed by EMP1010" in capsys.readouterr().out


def test_the_pin_can_come_from_the_environment(
    engine: Engine, ncr: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.setenv("LINESIDE_PIN", "1010")
    assert main(sign(engine, ncr)) == 0
    assert signature_events(engine) == ["DispositionSigned"]


def test_on_a_terminal_it_asks_and_an_empty_answer_is_not_sent(
    engine: Engine, ncr: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter(["", "1010"])
    asked: list[str] = []
    monkeypatch.setattr("sys.stdin", Terminal(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or next(answers))
    assert main(sign(engine, ncr)) == 2
    assert "no PIN entered; nothing was signed" in capsys.readouterr().err
    assert sign_failures(engine) == 0 and signature_events(engine) == []
    assert main(sign(engine, ncr)) == 0
    assert asked == ["PIN for EMP1010: "] * 2
    assert signature_events(engine) == ["DispositionSigned"]


def test_a_wrong_pin_given_is_still_counted(
    engine: Engine, ncr: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(sign(engine, ncr, "--pin", "9999")) == 2
    assert "signature refused" in capsys.readouterr().err
    assert sign_failures(engine) == 1 and signature_events(engine) == ["SignatureRefused"]
