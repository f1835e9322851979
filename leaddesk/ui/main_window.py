"""The shell: navigation between the areas, menus and the status bar. Each area is its own page."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from leaddesk import __version__
from leaddesk.domain.records import MemberRow
from leaddesk.ui.context import AppContext
from leaddesk.ui.data_safety_menu import install_data_safety_menu
from leaddesk.ui.formatting import role_label
from leaddesk.ui.import_actions import install_import_actions
from leaddesk.ui.resources import icon

AREAS = ("marketing", "sales", "dashboard", "reports", "settings")
#: The other pages are built once the first page has its data, or after this long at the latest.
DEFERRED_PAGES_AFTER_MS = 2000
#: Where each area's page lives; pages are imported and built when first needed (see `_Pages`).
PAGE_CLASSES = {
    "marketing": ("leaddesk.ui.pages.marketing_page", "MarketingPage"),
    "sales": ("leaddesk.ui.pages.sales_page", "SalesPage"),
    "dashboard": ("leaddesk.ui.pages.dashboard_page", "DashboardPage"),
    "reports": ("leaddesk.ui.pages.reports_page", "ReportsPage"),
    "settings": ("leaddesk.ui.pages.settings_page", "SettingsPage"),
}


class _Pages(Mapping[str, QWidget]):
    """The areas' pages, each imported and built on first access.

    The window builds the page it opens on, shows itself, and builds the others right after (so their
    menu entries and settings sections appear a moment later): the window is usable sooner.
    """

    def __init__(self, build: Callable[[str], QWidget]) -> None:
        self._build = build
        self._built: dict[str, QWidget] = {}
        self._waiting: dict[str, list[Callable[[QWidget], None]]] = {}

    def __getitem__(self, key: str) -> QWidget:
        if key not in AREAS:
            raise KeyError(key)
        if key not in self._built:
            self._built[key] = page = self._build(key)
            for callback in self._waiting.pop(key, []):
                callback(page)
        return self._built[key]

    def when_built(self, key: str, callback: Callable[[QWidget], None]) -> None:
        """Run `callback(page)` once the page exists (now, if it does) without building it early: a
        page adds its settings section this way, and Settings is built after the first page shows."""
        if key in self._built:
            callback(self._built[key])
        else:
            self._waiting.setdefault(key, []).append(callback)

    def __iter__(self) -> Iterator[str]:
        return iter(AREAS)

    def __len__(self) -> int:
        return len(AREAS)

    def built(self) -> list[QWidget]:
        return list(self._built.values())

    def built_keys(self) -> list[str]:
        return list(self._built)


class MainWindow(QMainWindow):
    #: The page the window opened on shows its first data (or 2 s have passed): the background work of
    #: the start (integrity check, daily backup, the other pages) begins now, not before.
    ready = Signal()

    def __init__(self, ctx: AppContext, *, defer_pages: bool = False) -> None:
        """`defer_pages` (the app's start): build the page the window opens on now and the others right
        after the window shows, so it is usable sooner; otherwise every page is built here."""
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle("LeadDesk")
        self.setWindowIcon(icon("leaddesk"))
        self.resize(1280, 800)

        self.pages = _Pages(self._build_page)
        self._deferred_started = False
        labels = {
            "marketing": self.tr("Marketing"),
            "sales": self.tr("Sales"),
            "dashboard": self.tr("Dashboard"),
            "reports": self.tr("Reports"),
            "settings": self.tr("Settings"),
        }
        self.nav = QListWidget(self)
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(22, 22))
        self.nav.setFixedWidth(170)
        self.nav.setSpacing(2)
        self.stack = QStackedWidget(self)
        for key in AREAS:
            item = QListWidgetItem(icon(key), labels[key])
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setSizeHint(QSize(150, 40))
            self.nav.addItem(item)
            self.stack.addWidget(QWidget(self.stack))  # the page takes its place when built
        self.nav.currentRowChanged.connect(self._switch)

        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._build_menus(labels)
        self._build_status_bar()
        if not defer_pages:
            self._build_all_pages()
        install_data_safety_menu(self)
        install_import_actions(self)
        self._restore_window()
        area = self.ctx.pc.text("window/area", "marketing")
        self.show_area(area if area in AREAS else "marketing")
        if defer_pages:
            # Once the first page shows its data (building a page takes the GUI thread for a moment, and
            # the first data is what the user waits for); then one page per turn of the event loop.
            ready = getattr(self.stack.currentWidget(), "ready", None)
            if ready is not None:
                ready.connect(self._start_deferred_pages)
            QTimer.singleShot(DEFERRED_PAGES_AFTER_MS, self, self._start_deferred_pages)

    def _build_page(self, key: str) -> QWidget:
        """Import and build one area's page, put it in its place, and let it install its menu entries,
        status bar widgets or settings sections in the shell."""
        module_name, class_name = PAGE_CLASSES[key]
        page: QWidget = getattr(importlib.import_module(module_name), class_name)(self.ctx, self)
        index = AREAS.index(key)
        current = self.stack.currentIndex()
        placeholder = self.stack.widget(index)
        self.stack.removeWidget(placeholder)
        placeholder.deleteLater()
        self.stack.insertWidget(index, page)
        self.stack.setCurrentIndex(current)
        install = getattr(page, "install", None)
        if install:
            install(self)
        return page

    def _build_all_pages(self) -> None:
        for key in AREAS:
            self.pages[key]

    def _start_deferred_pages(self, *_args: object) -> None:
        if not self._deferred_started:
            self._deferred_started = True
            QTimer.singleShot(50, self, self._build_next_page)  # after the first data is painted
            self.ready.emit()

    def _build_next_page(self) -> None:
        missing = [key for key in AREAS if key not in self.pages.built_keys()]
        if missing:
            self.pages[missing[0]]
            QTimer.singleShot(0, self, self._build_next_page)
        else:
            # The chart renderer's processes get ready now, while the user reads the first page, so that
            # the Dashboard's first charts do not wait for them (nor compete with its numbers for the CPU).
            self.ctx.services.chart_renderer.start()

    # --- navigation ----------------------------------------------------------------------------------

    def show_area(self, key: str) -> None:
        self.pages[key]  # built before it is shown
        self.nav.setCurrentRow(AREAS.index(key))

    def current_area(self) -> str:
        return AREAS[self.stack.currentIndex()]

    def _switch(self, row: int) -> None:
        if row < 0:
            return
        self.pages[AREAS[row]]
        self.stack.setCurrentIndex(row)
        page = self.stack.currentWidget()
        activate = getattr(page, "activate", None)
        if activate:
            activate()

    def _build_menus(self, labels: dict[str, str]) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        self.file_menu = file_menu

        view_menu = bar.addMenu(self.tr("&View"))
        for i, key in enumerate(AREAS):
            action = QAction(icon(key), labels[key], self)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _checked=False, k=key: self.show_area(k))
            view_menu.addAction(action)
        self.view_menu_areas_end = view_menu.addSeparator()
        refresh = QAction(self.tr("&Refresh"), self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.ctx.notify_changed)
        view_menu.addAction(refresh)
        self.view_menu = view_menu

        help_menu = bar.addMenu(self.tr("&Help"))
        about = QAction(self.tr("&About LeadDesk"), self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.identity = QComboBox(self)
        self.identity.setObjectName("identity")
        self.identity.setMinimumWidth(220)
        self.identity.setToolTip(self.tr("Who is using LeadDesk on this PC"))
        self._fill_identity()
        self.identity.currentIndexChanged.connect(self._identity_chosen)
        self.location = QLabel(self.tr("Database: %1").replace("%1", self.ctx.services.db.location), self)
        self.location.setObjectName("databaseLocation")
        self.location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        status.addWidget(QLabel(self.tr("You:"), self))
        status.addWidget(self.identity)
        status.addPermanentWidget(self.location)

    def _fill_identity(self) -> None:
        self.identity.blockSignals(True)
        self.identity.clear()
        self.identity.addItem(self.tr("Choose who you are…"), None)
        members: list[MemberRow] = self.ctx.services.team.list_members(active_only=True)
        for m in members:
            self.identity.addItem(f"{m.name} — {role_label(m.role)}", m.id)
        current = self.ctx.member_id
        index = self.identity.findData(current) if current is not None else 0
        self.identity.setCurrentIndex(max(index, 0))
        self.identity.blockSignals(False)

    def _identity_chosen(self, index: int) -> None:
        member_id = self.identity.itemData(index)
        self.ctx.set_member(self.ctx.services.team.get(member_id) if member_id is not None else None)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About LeadDesk"),
            self.tr("LeadDesk %1\nThe lead handoff desk between marketing and sales.").replace(
                "%1", __version__
            ),
        )

    # --- layout memory -------------------------------------------------------------------------------

    def _restore_window(self) -> None:
        geometry = self.ctx.pc.bytes("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.ctx.pc.bytes("window/state")
        if state is not None:
            self.restoreState(state)

    def save_window(self) -> None:
        self.ctx.pc.set_bytes("window/geometry", self.saveGeometry())
        self.ctx.pc.set_bytes("window/state", self.saveState())
        self.ctx.pc.set_text("window/area", self.current_area())
        for page in self.pages.built():
            save = getattr(page, "save_state", None)
            if save:
                save()
        self.ctx.pc.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_window()
        super().closeEvent(event)
