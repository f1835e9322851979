"""The app shell driven through its real widgets on a real SQLite database."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt

from leaddesk.app import Services
from leaddesk.domain.enums import Role, Stage
from leaddesk.domain.records import LeadDraft
from leaddesk.ui.context import AppContext
from leaddesk.ui.main_window import AREAS, MainWindow
from leaddesk.ui.pages.marketing_page import MarketingPage
from leaddesk.ui.pages.sales_page import SalesPage
from leaddesk.ui.pc_settings import PcSettings
from tests.ui.fresh_app import run_in_fresh_app


def _fill(services: Services, n: int) -> list[int]:
    ids = []
    with services.lifecycle.batch() as life:
        for i in range(n):
            ids.append(
                life.create_lead(
                    LeadDraft(
                        first_name=f"Nome{i:04d}",
                        last_name="Rossi" if i % 10 == 0 else f"Cognome{i:04d}",
                        email=f"lead{i}@example.it",
                        company=f"Azienda {i % 7}",
                    )
                )
            )
    return ids


def _window(qtbot, ctx: AppContext) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    return window


def test_navigation_switches_areas(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, ctx)
    for key in AREAS:
        window.show_area(key)
        assert window.stack.currentWidget() is window.pages[key]
        assert window.current_area() == key
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.current_area() == "marketing"


def test_marketing_table_searches_sorts_and_fetches_lazily(
    qtbot, ctx: AppContext, services: Services
) -> None:  # type: ignore[no-untyped-def]
    _fill(services, 450)
    window = _window(qtbot, ctx)
    page = window.pages["marketing"]
    assert isinstance(page, MarketingPage)
    browser = page.browser
    model = browser.model
    with qtbot.waitSignals([model.loaded, model.counted], timeout=5000):
        browser.refresh()
    assert model.total == 450
    assert model.rowCount() == model.PAGE_SIZE  # only the first page is in memory
    assert browser.count_label.text().startswith("450")

    # Scrolling to the end asks for the next page.
    with qtbot.waitSignal(model.rowsInserted, timeout=5000):
        browser.view.scrollToBottom()
        model.fetchMore()
    assert model.rowCount() == 2 * model.PAGE_SIZE

    # Typing in the search box filters in SQL after a short pause.
    with qtbot.waitSignal(model.loaded, timeout=5000):
        qtbot.keyClicks(browser.search, "rossi")
    assert model.total == 45  # under one page: known without a separate count
    assert all(r.last_name == "Rossi" for r in model.rows())

    # Clicking a header sorts in SQL.
    name_col = [c.key for c in model.columns].index("name")
    browser.search.clear()
    with qtbot.waitSignal(model.loaded, timeout=5000):
        browser.search.returnPressed.emit()
    with qtbot.waitSignal(model.loaded, timeout=5000):
        browser.view.horizontalHeader().sectionClicked.emit(name_col)
        browser.view.sortByColumn(name_col, Qt.SortOrder.AscendingOrder)
    names = [r.last_name for r in model.rows()[:3]]
    assert names == sorted(names)


def test_sales_area_shows_only_my_open_leads(qtbot, ctx: AppContext, services: Services) -> None:  # type: ignore[no-untyped-def]
    ids = _fill(services, 6)
    marco = services.team.add_member("Marco", Role.SALES)
    sara = services.team.add_member("Sara", Role.SALES)
    services.lifecycle.handoff(ids[:2], owner_id=marco.id)
    services.lifecycle.handoff(ids[2:5], owner_id=sara.id)
    ctx.set_member(marco)
    window = _window(qtbot, ctx)
    page = window.pages["sales"]
    assert isinstance(page, SalesPage)
    with qtbot.waitSignal(page.queue_model.loaded, timeout=5000):
        window.show_area("sales")
    assert {r.lead.id for r in page.queue_model.rows()} == set(ids[:2])
    assert all(r.lead.stage == Stage.HANDED_OFF for r in page.queue_model.rows())

    boss = services.team.add_member("Anna", Role.MANAGER)
    with qtbot.waitSignal(page.queue_model.loaded, timeout=5000):
        ctx.set_member(boss)
    assert {r.lead.id for r in page.queue_model.rows()} == set(ids[:5])


def test_identity_is_remembered_on_this_pc(qtbot, services: Services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    giulia = services.team.add_member("Giulia", Role.MARKETING)
    ini = str(tmp_path / "remember.ini")
    ctx = AppContext(services, PcSettings(QSettings(ini, QSettings.Format.IniFormat)))
    window = _window(qtbot, ctx)
    window.identity.setCurrentIndex(window.identity.findData(giulia.id))
    assert ctx.member == giulia
    ctx.pc.sync()
    again = AppContext(services, PcSettings(QSettings(ini, QSettings.Format.IniFormat)))
    assert again.member == giulia


def test_window_geometry_and_columns_are_remembered(qtbot, ctx: AppContext, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, ctx)
    window.resize(700, 500)  # within the offscreen screen (800 × 600)
    window.show_area("dashboard")
    header = window.pages["marketing"].browser.view.horizontalHeader()  # type: ignore[attr-defined]
    header.setSectionHidden(2, True)
    header.resizeSection(0, 333)
    window.close()
    second = _window(qtbot, AppContext(services, ctx.pc))
    assert second.current_area() == "dashboard"
    assert second.size().width() == 700
    header2 = second.pages["marketing"].browser.view.horizontalHeader()  # type: ignore[attr-defined]
    assert header2.isSectionHidden(2)
    assert header2.sectionSize(0) == 333


def test_dashboard_shows_real_stage_counts(qtbot, ctx: AppContext, services: Services) -> None:  # type: ignore[no-untyped-def]
    ids = _fill(services, 5)
    services.lifecycle.qualify(ids[:2])
    window = _window(qtbot, ctx)
    page = window.pages["dashboard"]
    with qtbot.waitSignal(services_loaded(page), timeout=5000):
        window.show_area("dashboard")
    qtbot.waitUntil(lambda: page.bars[Stage.MQL][2].text() == "2", timeout=5000)  # type: ignore[attr-defined]
    assert page.bars[Stage.NEW][2].text() == "3"  # type: ignore[attr-defined]


def services_loaded(page):  # type: ignore[no-untyped-def]
    """The dashboard has no signal of its own; its bars change when counts arrive."""
    return page.bars[Stage.NEW][1].valueChanged


def test_the_app_start_builds_other_pages_after_the_window_shows(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(ctx, defer_pages=True)
    qtbot.addWidget(window)
    built = {type(p).__name__ for p in window.pages.built()}
    assert "MarketingPage" in built and not built & {"SalesPage", "DashboardPage", "ReportsPage"}
    marketing = window.pages["marketing"]
    renderer = ctx.services.chart_renderer
    with qtbot.waitSignal(marketing.ready, timeout=10_000):  # type: ignore[attr-defined]
        window.show()
    # The first page's data came first: the others are built only after it has been painted.
    assert len(window.pages.built()) == 1
    assert not renderer.worker_pids()
    qtbot.waitUntil(lambda: len(window.pages.built()) == len(AREAS), timeout=10_000)
    # then the chart renderer's processes start, ready before the Dashboard is first opened
    qtbot.waitUntil(lambda: len(renderer.worker_pids()) == 2, timeout=10_000)
    # Pages built later still install their parts in the shell: the Sales menu, the settings sections.
    assert any(a.text().replace("&", "") == "Sales" for a in window.menuBar().actions())
    assert window.pages["settings"].section("sla") is not None  # type: ignore[attr-defined]
    window.show_area("reports")
    assert window.stack.currentWidget() is window.pages["reports"]


#: Modules the first page does not need, loaded later (each costs the start tens to hundreds of ms).
LOADED_LATER = (
    "matplotlib",
    "openpyxl",
    "python_calamine",
    "phonenumbers",
    "leaddesk.services.reporting.reporting_service",
    "leaddesk.services.pipeline_service",
    "leaddesk.services.retention_service",
    "leaddesk.services.privacy_service",
    "leaddesk.services.sla.sla_service",
)


def test_the_window_starts_without_what_its_first_page_does_not_need(tmp_path: Path) -> None:
    body = (
        "from leaddesk.ui.main_window import MainWindow\n"
        "window = MainWindow(ctx, defer_pages=True)\n"
        "window.show()\n"
        "app.processEvents()\n"
        f"print(*[m for m in {LOADED_LATER!r} if m in sys.modules])\n"
    )
    assert run_in_fresh_app(tmp_path, body).stdout.split() == []
