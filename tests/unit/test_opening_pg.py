"""Opening a PostgreSQL team database: the password comes from the keyring or is asked for; never stored
in a file or a log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from leaddesk.app import open_services
from leaddesk.config import data_dir
from leaddesk.opening import PasswordRequiredError
from leaddesk.storage.secrets import keyring_key
from tests.pg_cluster import PostgresCluster
from tests.unit.test_opening_support import PW_SECRET, FileKeyring, password_database_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def test_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FileKeyring]:
    # The backend in use before, read while the test keyring is not viable yet: asked first with the
    # variable set, keyring would pick the test keyring as "the previous one" and leave it behind.
    previous = keyring.get_keyring()
    monkeypatch.setenv("LEADDESK_TEST_KEYRING", str(tmp_path / "keyring.json"))
    backend = FileKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_missing_password_is_asked_for_and_the_keyring_fills_it_in(
    pg_cluster: PostgresCluster, test_keyring: FileKeyring, caplog: pytest.LogCaptureFixture
) -> None:
    url = password_database_url(pg_cluster, "ld_pw_open")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PasswordRequiredError) as missing:
        open_services(url)
    assert not missing.value.refused
    assert "leaddesk db-login" in str(missing.value)

    with pytest.raises(PasswordRequiredError) as wrong:
        open_services(url, password="not-it")
    assert wrong.value.refused

    services = open_services(url, password=PW_SECRET)  # what the GUI does after asking
    try:
        assert services.opened is not None and not services.opened.is_sqlite
        assert PW_SECRET not in services.db.location and PW_SECRET not in str(services.db.url)
        services.maintenance.retention.set_months(0)
    finally:
        services.close()

    test_keyring.set_password("LeadDesk", keyring_key(url), PW_SECRET)
    services = open_services(url)  # no password in the URL: the keyring's is used
    try:
        assert services.maintenance.check().ok
    finally:
        services.close()
    assert PW_SECRET not in caplog.text
    for path in data_dir().rglob("*"):
        if path.is_file():
            assert PW_SECRET.encode() not in path.read_bytes(), path
