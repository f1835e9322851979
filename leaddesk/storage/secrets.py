"""The PostgreSQL password lives in the system keyring, never in the configuration or a log.

Entries are stored under service ``LeadDesk`` with the key ``user@host:port/db`` (port 5432 when the URL
has none; for a unix socket the host is the socket directory, ``localhost`` when the URL names no host at
all). The configuration keeps the URL *without* the password (`url_without_password`); the engine gets
one with it (`url_with_password_from_keyring`), as a `URL` object whose ``str()`` masks the password.

No usable keyring (a headless Linux box, keyring's "fail" or "null" backend, a locked keyring) raises
`KeyringUnavailableError`, a `UserError` that says what to do; the app can then ask for the password
for this session only, or the user can rely on a ``.pgpass`` file.
"""

from __future__ import annotations

import logging
from typing import Final

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from sqlalchemy.engine import URL, make_url

from leaddesk.domain.errors import UserError

log = logging.getLogger(__name__)

SERVICE: Final = "LeadDesk"
DEFAULT_PORT: Final = 5432

NO_KEYRING_MESSAGE: Final = (
    "No system keyring is available to keep the PostgreSQL password ({reason}). Unlock or install one "
    "(Windows Credential Manager, macOS Keychain, GNOME Keyring or KWallet on Linux), or put the password "
    "in a .pgpass file; LeadDesk never writes it into its settings."
)


class KeyringUnavailableError(UserError):
    """No usable keyring backend; the message says what the user can do."""


def keyring_key(url: str | URL) -> str:
    """``user@host:port/db`` for a PostgreSQL URL (no password in it)."""
    u = _url(url)
    host = u.host or _text(u.query.get("host")) or "localhost"
    port = u.port or int(_text(u.query.get("port")) or DEFAULT_PORT)
    user = u.username or _text(u.query.get("user")) or ""
    return f"{user}@{host}:{port}/{u.database or ''}"


def url_without_password(url: str | URL) -> str:
    """The URL as a string that is safe to store in the configuration."""
    # URL.set() ignores None ("leave unchanged"); _replace is the documented way to clear a field.
    return _url(url)._replace(password=None).render_as_string(hide_password=False)


def store_password(url: str | URL, password: str) -> None:
    _check_backend()
    try:
        keyring.set_password(SERVICE, keyring_key(url), password)
    except keyring.errors.KeyringError as exc:
        raise _unavailable(exc) from exc
    log.info("Stored the PostgreSQL password for %s in the keyring", keyring_key(url))


def fetch_password(url: str | URL) -> str | None:
    """The stored password, or None when none is stored for this URL."""
    _check_backend()
    try:
        return keyring.get_password(SERVICE, keyring_key(url))
    except keyring.errors.KeyringError as exc:
        raise _unavailable(exc) from exc


def delete_password(url: str | URL) -> bool:
    """Forget the stored password; False when there was none."""
    _check_backend()
    try:
        keyring.delete_password(SERVICE, keyring_key(url))
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as exc:
        raise _unavailable(exc) from exc
    return True


def url_with_password_from_keyring(url: str | URL) -> URL:
    """`url` with the keyring's password filled in (unchanged when it has one, or none is stored)."""
    u = _url(url)
    if u.password:
        return u
    password = fetch_password(u)
    return u if password is None else u.set(password=password)


def keyring_available() -> bool:
    try:
        _check_backend()
    except KeyringUnavailableError:
        return False
    return True


def _check_backend() -> None:
    backend: KeyringBackend = keyring.get_keyring()
    module = type(backend).__module__
    # keyring's own stand-ins when nothing real is installed: "fail" raises, "null" silently drops.
    if module in ("keyring.backends.fail", "keyring.backends.null"):
        raise KeyringUnavailableError(NO_KEYRING_MESSAGE.format(reason="no keyring backend is installed"))
    if module == "keyring.backends.chainer" and not getattr(backend, "backends", None):
        raise KeyringUnavailableError(NO_KEYRING_MESSAGE.format(reason="no keyring backend is installed"))


def _unavailable(exc: keyring.errors.KeyringError) -> KeyringUnavailableError:
    if isinstance(exc, keyring.errors.KeyringLocked):
        reason = "the keyring is locked"
    elif isinstance(exc, keyring.errors.NoKeyringError):
        reason = "no keyring backend is installed"
    else:
        reason = f"the keyring refused: {type(exc).__name__}"
    return KeyringUnavailableError(NO_KEYRING_MESSAGE.format(reason=reason))


def _url(url: str | URL) -> URL:
    return make_url(url) if isinstance(url, str) else url


def _text(value: str | tuple[str, ...] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        return value[0] if value else None
    return value
