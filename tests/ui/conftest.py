"""Fixtures for driving real widgets on a real database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from leaddesk.app import Services, build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.models.database import open_database
from leaddesk.ui.background import wait_for_all
from leaddesk.ui.context import AppContext
from leaddesk.ui.pc_settings import PcSettings


@pytest.fixture
def services(sqlite_url: str, clock: FixedClock) -> Iterator[Services]:
    db = open_database(sqlite_url)
    svc = build_services(db, clock)
    yield svc
    wait_for_all()
    svc.close()


@pytest.fixture
def pc_settings(tmp_path: Path) -> PcSettings:
    return PcSettings(QSettings(str(tmp_path / "pc.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def ctx(qapp, services: Services, pc_settings: PcSettings) -> AppContext:  # type: ignore[no-untyped-def]
    return AppContext(services, pc_settings)
