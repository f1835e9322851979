"""The composition root: reads the configuration, opens and migrates the database, builds the services,
and (for the GUI) the main window. Nothing else looks things up globally."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from leaddesk import config
from leaddesk.domain.clock import Clock, system_clock
from leaddesk.models.database import Database, open_database
from leaddesk.services.campaign_service import CampaignService
from leaddesk.services.demo_service import DemoService
from leaddesk.services.lead_query_service import LeadQueryService
from leaddesk.services.lifecycle_service import LifecycleService
from leaddesk.services.settings_service import SettingsService
from leaddesk.services.team_service import TeamService


def backups_dir_for(db_path: Path) -> Path:
    """Backups live beside the database, in a `backups` folder."""
    return db_path.parent / "backups"


def backup_before_migration(db_path: Path) -> Path:
    from leaddesk.storage.backup import BackupReason, backup_now

    return backup_now(db_path, backups_dir_for(db_path), BackupReason.PRE_MIGRATION)


@dataclass
class Services:
    """Every use case the CLI and the GUI call, built on one database."""

    db: Database
    clock: Clock
    team: TeamService
    campaigns: CampaignService
    lifecycle: LifecycleService
    leads: LeadQueryService
    settings: SettingsService
    demo: DemoService

    @property
    def backups_dir(self) -> Path | None:
        path = self.db.sqlite_path
        return backups_dir_for(path) if path else None

    def close(self) -> None:
        self.db.dispose()


def build_services(db: Database, clock: Clock = system_clock) -> Services:
    lifecycle = LifecycleService(db, clock)
    return Services(
        db=db,
        clock=clock,
        team=TeamService(db, clock),
        campaigns=CampaignService(db, clock),
        lifecycle=lifecycle,
        leads=LeadQueryService(db),
        settings=SettingsService(db, clock),
        demo=DemoService(db, lifecycle, clock),
    )


def open_services(db_flag: str | None = None, clock: Clock = system_clock) -> Services:
    """Open the configured database (creating or migrating it) and build the services on it."""
    url = config.database_url(db_flag)
    db = open_database(url, backup=backup_before_migration)
    return build_services(db, clock)


def database_is_new(db_flag: str | None) -> bool:
    """True when the configured SQLite file does not exist yet (first start: offer demo data)."""
    url = config.database_url(db_flag)
    if not url.startswith("sqlite"):
        return False
    from sqlalchemy.engine import make_url

    path = make_url(url).database
    return bool(path) and not Path(path).exists()  # type: ignore[arg-type]


def run_gui(db_flag: str | None) -> int:
    from leaddesk.ui.application import run

    return run(db_flag)
