"""The composition root: reads the configuration, opens and migrates the database, builds the services,
and (for the GUI) the main window. Nothing else looks things up globally."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from leaddesk import config
from leaddesk.domain.clock import Clock, system_clock
from leaddesk.models.database import Database
from leaddesk.opening import OpenedDatabase, open_database_safely
from leaddesk.services.campaign_service import CampaignService
from leaddesk.services.demo_service import DemoService
from leaddesk.services.duplicate_service import DuplicateService
from leaddesk.services.export.leads_export import LeadExportService
from leaddesk.services.importing.import_service import ImportService
from leaddesk.services.lead_entry_service import LeadEntryService
from leaddesk.services.lead_query_service import LeadQueryService
from leaddesk.services.lifecycle_service import LifecycleService
from leaddesk.services.maintenance_service import MaintenanceService
from leaddesk.services.meeting_report_service import MeetingReportService
from leaddesk.services.pipeline_service import PipelineService
from leaddesk.services.privacy_service import PrivacyService
from leaddesk.services.reporting.reporting_service import ReportingService
from leaddesk.services.saved_filter_service import SavedFilterService
from leaddesk.services.scoring_service import ScoringService
from leaddesk.services.settings_service import SettingsService
from leaddesk.services.sla.sla_service import SlaService
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
    sla: SlaService
    scoring: ScoringService
    saved_filters: SavedFilterService
    duplicates: DuplicateService
    lead_entry: LeadEntryService
    privacy: PrivacyService
    maintenance: MaintenanceService
    pipeline: PipelineService
    reporting: ReportingService
    meeting_reports: MeetingReportService
    lead_export: LeadExportService
    imports: ImportService
    #: What opening the database found and holds (lock, notices); None when built on a bare Database.
    opened: OpenedDatabase | None = None

    @property
    def backups_dir(self) -> Path | None:
        path = self.db.sqlite_path
        return backups_dir_for(path) if path else None

    def close(self) -> None:
        self.db.dispose()
        if self.opened is not None:
            self.opened.close()  # marks the clean shutdown and releases the file's lock


def build_services(db: Database, clock: Clock = system_clock) -> Services:
    lifecycle = LifecycleService(db, clock)
    scoring = ScoringService(db, clock)
    # New, edited and touched leads are scored in the same transaction that changed them.
    lifecycle.add_hook(scoring.on_leads_changed)
    sla = SlaService(db, clock)
    # Every change to a lead's history recomputes its SLA clocks in the same transaction.
    lifecycle.add_hook(sla.refresh_clocks, deferrable=True)
    maintenance = MaintenanceService(db, clock)
    return Services(
        db=db,
        clock=clock,
        team=TeamService(db, clock),
        campaigns=CampaignService(db, clock),
        lifecycle=lifecycle,
        leads=LeadQueryService(db),
        settings=SettingsService(db, clock),
        demo=DemoService(db, lifecycle, clock),
        sla=sla,
        scoring=scoring,
        saved_filters=SavedFilterService(db),
        duplicates=DuplicateService(db),
        lead_entry=LeadEntryService(db, lifecycle),
        privacy=PrivacyService(db, clock),
        maintenance=maintenance,
        pipeline=PipelineService(db, clock),
        reporting=ReportingService(db, sla, clock),
        meeting_reports=MeetingReportService(db, clock),
        lead_export=LeadExportService(db, sla, clock),
        imports=ImportService(
            db,
            clock,
            refresh_clocks=sla.refresh_clocks,
            rescore=scoring.on_leads_changed,
            backup=maintenance.backup_before,
        ),
    )


def open_services(
    db_flag: str | None = None,
    clock: Clock = system_clock,
    *,
    read_only: bool = False,
    password: str | None = None,
    defer_check: bool = False,
) -> Services:
    """Open the configured database with every safety guard (`leaddesk.opening`) and build the services.

    SQLite: lock, integrity check, backup before a migration. Raises `AlreadyOpenError` (then
    `read_only=True` opens it for looking only), `DamagedDatabaseError` (offer `opening.recover_damaged`),
    `PasswordRequiredError` (PostgreSQL: ask, then pass `password`), or another `UserError`.
    `defer_check` (the GUI) leaves the integrity check to `services.opened.verify()` in the background.
    """
    url = config.database_url(db_flag)
    opened = open_database_safely(url, read_only=read_only, password=password, defer_check=defer_check)
    try:
        services = build_services(opened.db, clock)
    except BaseException:
        opened.close()
        raise
    services.opened = opened
    services.maintenance.dump_dir = config.data_dir() / "backups"
    return services


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
