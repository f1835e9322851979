"""The Settings area: team-wide settings stored in the database, one tab per section.

Features add their own section (a widget) with `add_section`; the page itself knows none of them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from leaddesk.ui.context import AppContext
from leaddesk.ui.widgets.page_header import PageHeader

#: The order of the tabs, whichever feature adds its section first.
SECTION_ORDER = ("team", "sla", "scoring", "data-safety")


class SettingsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.header = PageHeader(
            self.tr("Settings"), self.tr("Shared by the whole team: changes apply on every PC"), self
        )
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settingsTabs")
        self._sections: dict[str, QWidget] = {}
        self.tabs.currentChanged.connect(lambda _i: self.activate())
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)

    def add_section(self, key: str, title: str, widget: QWidget) -> None:
        # Each section scrolls, so a long form never forces the window to be tall or wide.
        widget.setObjectName(f"settings-{key}")
        scroller = QScrollArea(self.tabs)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setWidget(widget)
        self._sections[key] = widget
        rank = SECTION_ORDER.index(key) if key in SECTION_ORDER else len(SECTION_ORDER)
        position = sum(
            1
            for other in self._sections
            if other != key
            and (SECTION_ORDER.index(other) if other in SECTION_ORDER else len(SECTION_ORDER)) <= rank
        )
        current = self.tabs.currentWidget()
        self.tabs.insertTab(position, scroller, title)
        if current is not None:
            self.tabs.setCurrentWidget(current)

    def section(self, key: str) -> QWidget | None:
        return self._sections.get(key)

    def show_section(self, key: str) -> None:
        """Bring a section's tab to the front (it reloads, as when the user clicks the tab)."""
        widget = self._sections[key]
        for i in range(self.tabs.count()):
            scroller = self.tabs.widget(i)
            if isinstance(scroller, QScrollArea) and scroller.widget() is widget:
                self.tabs.setCurrentIndex(i)

    def activate(self) -> None:
        scroller = self.tabs.currentWidget()
        current = scroller.widget() if isinstance(scroller, QScrollArea) else scroller
        reload = getattr(current, "reload", None)
        if reload:
            reload()

    def save_state(self) -> None:
        pass
