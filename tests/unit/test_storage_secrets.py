"""The PostgreSQL password goes to the keyring and back, never into the URL we store or the logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import KeyringLocked, PasswordDeleteError

from leaddesk.domain.errors import UserError
from leaddesk.storage.secrets import (
    SERVICE,
    KeyringUnavailableError,
    delete_password,
    fetch_password,
    keyring_available,
    keyring_key,
    store_password,
    url_with_password_from_keyring,
    url_without_password,
)

URL = "postgresql+psycopg://alice@db.example.com:5433/leads?sslmode=require"


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("locked")


@pytest.fixture
def use_keyring() -> Iterator[type[KeyringBackend]]:
    previous = keyring.get_keyring()
    yield KeyringBackend
    keyring.set_keyring(previous)


@pytest.fixture
def memory(use_keyring: object) -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.mark.parametrize(
    ("url", "key"),
    [
        (URL, "alice@db.example.com:5433/leads"),
        ("postgresql+psycopg://alice:pw@db.example.com/leads", "alice@db.example.com:5432/leads"),
        ("postgresql+psycopg://bob@/leads?host=/tmp/sock&port=5432", "bob@/tmp/sock:5432/leads"),
        ("postgresql+psycopg://bob@/leads", "bob@localhost:5432/leads"),
    ],
)
def test_keyring_key(url: str, key: str) -> None:
    assert keyring_key(url) == key


def test_store_fetch_and_fill_in(memory: MemoryKeyring, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store_password(URL, "p@ss:word/1")
    assert memory.entries == {(SERVICE, "alice@db.example.com:5433/leads"): "p@ss:word/1"}
    assert fetch_password(URL) == "p@ss:word/1"

    filled = url_with_password_from_keyring(URL)
    assert filled.password == "p@ss:word/1"
    assert "p@ss" not in str(filled), "str() of a URL masks the password"
    assert filled.query == {"sslmode": "require"}
    assert "p@ss" not in caplog.text


def test_url_without_password_is_safe_to_store() -> None:
    stored = url_without_password(
        "postgresql+psycopg://alice:p%40ss@db.example.com:5433/leads?sslmode=require"
    )
    assert stored == "postgresql+psycopg://alice@db.example.com:5433/leads?sslmode=require"
    socket_url = "postgresql+psycopg://bob:pw@/leads?host=/tmp/sock&port=5432"
    assert url_without_password(socket_url) == "postgresql+psycopg://bob@/leads?host=%2Ftmp%2Fsock&port=5432"


def test_nothing_stored_leaves_the_url_alone(memory: MemoryKeyring) -> None:
    assert fetch_password(URL) is None
    assert url_with_password_from_keyring(URL).password is None
    with_pw = "postgresql+psycopg://alice:given@db.example.com:5433/leads"
    store_password(URL, "stored")
    assert url_with_password_from_keyring(with_pw).password == "given"


def test_delete(memory: MemoryKeyring) -> None:
    store_password(URL, "x")
    assert delete_password(URL) is True
    assert delete_password(URL) is False
    assert fetch_password(URL) is None


@pytest.mark.parametrize("backend", [fail.Keyring, null.Keyring])
def test_no_keyring_backend_is_a_clear_user_error(use_keyring: object, backend: type[KeyringBackend]) -> None:
    keyring.set_keyring(backend())
    assert keyring_available() is False

    def store() -> None:
        store_password(URL, "pw")

    def fetch() -> None:
        fetch_password(URL)

    for call in (store, fetch):
        with pytest.raises(KeyringUnavailableError) as caught:
            call()
        assert isinstance(caught.value, UserError)
        assert "No system keyring is available" in str(caught.value)
        assert ".pgpass" in str(caught.value)
    with pytest.raises(KeyringUnavailableError):
        url_with_password_from_keyring(URL)


def test_a_locked_keyring_says_so(use_keyring: object) -> None:
    keyring.set_keyring(LockedKeyring())
    assert keyring_available() is True
    with pytest.raises(KeyringUnavailableError, match="the keyring is locked"):
        fetch_password(URL)
