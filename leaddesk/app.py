"""The composition root: reads the configuration, opens and migrates the database, builds the services,
and (for the GUI) the main window. Nothing else looks things up globally."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from leaddesk import config
from leaddesk.domain.clock import Clock, system_clock
from leaddesk.models.database import Database
from leaddesk.opening import OpenedDatabase, open_database_safely
from leaddesk.services.campaign_service import CampaignService
from leaddesk.services.duplicate_service import DuplicateService
from leaddesk.services.lead_query_service import LeadQueryService
from leaddesk.services.lifecycle_service import LifecycleService
from leaddesk.services.maintenance_service import MaintenanceService, backups_dir_for
from leaddesk.services.saved_filter_service import SavedFilterService
from leaddesk.services.scoring_service import ScoringService
from leaddesk.services.settings_service import SettingsService
from leaddesk.services.team_service import TeamService

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from leaddesk.services.charts.render_processes import ChartRenderer
    from leaddesk.services.demo_service import DemoService
    from leaddesk.services.export.leads_export import LeadExportService
    from leaddesk.services.importing.import_service import ImportService
    from leaddesk.services.lead_entry_service import LeadEntryService
    from leaddesk.services.meeting_report_service import MeetingReportService
    from leaddesk.services.pipeline_service import PipelineService
    from leaddesk.services.privacy_service import PrivacyService
    from leaddesk.services.reporting.reporting_service import ReportingService
    from leaddesk.services.sla.sla_service import SlaService


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
    scoring: ScoringService
    saved_filters: SavedFilterService
    duplicates: DuplicateService
    maintenance: MaintenanceService
    #: What opening the database found and holds (lock, notices); None when built on a bare Database.
    opened: OpenedDatabase | None = None

    # Services whose modules are heavy to import (spreadsheets, charts, phone numbers…) are built on first
    # use, so the window opens without loading them.

    @cached_property
    def sla(self) -> SlaService:
        # (the window's first page shows no SLA figure: the service loads once that page is up)
        from leaddesk.services.sla.sla_service import SlaService

        return SlaService(self.db, self.clock)

    @cached_property
    def demo(self) -> DemoService:
        from leaddesk.services.demo_service import DemoService

        return DemoService(self.db, self.lifecycle, self.clock)

    @cached_property
    def pipeline(self) -> PipelineService:
        from leaddesk.services.pipeline_service import PipelineService

        return PipelineService(self.db, self.clock)

    @cached_property
    def lead_entry(self) -> LeadEntryService:
        from leaddesk.services.lead_entry_service import LeadEntryService

        return LeadEntryService(self.db, self.lifecycle)

    @cached_property
    def privacy(self) -> PrivacyService:
        from leaddesk.services.privacy_service import PrivacyService

        return PrivacyService(self.db, self.clock)

    @cached_property
    def reporting(self) -> ReportingService:
        from leaddesk.services.reporting.reporting_service import ReportingService

        return ReportingService(self.db, self.sla, self.clock)

    @cached_property
    def meeting_reports(self) -> MeetingReportService:
        from leaddesk.services.meeting_report_service import MeetingReportService

        return MeetingReportService(self.db, self.clock)

    @cached_property
    def lead_export(self) -> LeadExportService:
        from leaddesk.services.export.leads_export import LeadExportService

        return LeadExportService(self.db, self.sla, self.clock)

    @cached_property
    def imports(self) -> ImportService:
        from leaddesk.services.importing.import_service import ImportService

        return ImportService(
            self.db,
            self.clock,
            refresh_clocks=self.sla.refresh_clocks,
            rescore=self.scoring.on_leads_changed,
            backup=self.maintenance.backup_before,
        )

    @property
    def backups_dir(self) -> Path | None:
        path = self.db.sqlite_path
        return backups_dir_for(path) if path else None

    @cached_property
    def chart_renderer(self) -> ChartRenderer:
        """Draws the charts the window shows, in worker processes started on first use."""
        from leaddesk.services.charts.render_processes import ChartRenderer

        return ChartRenderer()

    def close(self) -> None:
        if "chart_renderer" in self.__dict__:
            self.chart_renderer.close()
        self.db.close()
        if self.opened is not None:
            self.opened.close()  # marks the clean shutdown and releases the file's lock


def build_services(db: Database, clock: Clock = system_clock) -> Services:
    lifecycle = LifecycleService(db, clock)
    scoring = ScoringService(db, clock)
    # New, edited and touched leads are scored in the same transaction that changed them.
    lifecycle.add_hook(scoring.on_leads_changed)
    maintenance = MaintenanceService(db, clock)
    services = Services(
        db=db,
        clock=clock,
        team=TeamService(db, clock),
        campaigns=CampaignService(db, clock),
        lifecycle=lifecycle,
        leads=LeadQueryService(db),
        settings=SettingsService(db, clock),
        scoring=scoring,
        saved_filters=SavedFilterService(db),
        duplicates=DuplicateService(db),
        maintenance=maintenance,
    )

    def refresh_clocks(session: Session, lead_ids: Sequence[int]) -> None:
        services.sla.refresh_clocks(session, lead_ids)

    # Every change to a lead's history recomputes its SLA clocks in the same transaction.
    lifecycle.add_hook(refresh_clocks, deferrable=True)
    return services


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
