"""The store's schema: a store made by an older policysite is upgraded when opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from policysite.cli import main
from tests.conftest import GitRepo
from tests.notify.conftest import write_subscribers


def cli(site: GitRepo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(site.path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.fixture(params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'notify.db'}"
    url: str = request.getfixturevalue("pg_url")
    monkeypatch.setenv("POLICYSITE_DATABASE_URL", url)
    return url


def test_a_schema_1_store_is_upgraded_when_opened(
    site: GitRepo, tmp_path: Path, database: str
) -> None:
    write_subscribers(tmp_path / "people.csv", 4)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    engine = create_engine(database)
    with engine.begin() as conn:  # back to schema 1: no cancelled count, no outboxes
        conn.execute(text("DROP TABLE outboxes"))
        conn.execute(text("ALTER TABLE announcements DROP COLUMN cancelled"))
        conn.execute(text("UPDATE policysite_schema SET version = 1"))
        assert conn.execute(text("SELECT max(version) FROM policysite_schema")).scalar() == 1

    code, out = cli(site, "notify", "--send", "--outbox", str(tmp_path / "out"))
    assert code == 0, out
    assert "privacy 2.0: sent 4, failed 0, skipped 0" in out
    assert cli(site, "subscribers", "erase", "user1@example.org")[1].startswith(
        "Erased the subscriber, 1 delivery record(s) and 1 outbox copies"
    )
    with engine.begin() as conn:
        assert conn.execute(text("SELECT max(version) FROM policysite_schema")).scalar() == 2
        assert conn.execute(
            text("SELECT recipients, sent, failed, cancelled FROM announcements")
        ).all() == [(4, 4, 0, 0)]
    engine.dispose()
