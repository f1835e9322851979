"""The Settings area: team-wide settings stored in the database, one tab per section.

Features add their own section (a widget) with `add_section`; the page itself knows none of them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from leaddesk.ui.context import AppContext
from leaddesk.ui.widgets.page_header import PageHeader


class SettingsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.header = PageHeader(
            self.tr("Settings"), self.tr("Shared by the whole team: changes apply on every PC"), self
        )
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settingsTabs")
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)

    def add_section(self, key: str, title: str, widget: QWidget) -> None:
        widget.setObjectName(f"settings-{key}")
        self.tabs.addTab(widget, title)

    def section(self, key: str) -> QWidget | None:
        for i in range(self.tabs.count()):
            if self.tabs.widget(i).objectName() == f"settings-{key}":
                return self.tabs.widget(i)
        return None

    def activate(self) -> None:
        current = self.tabs.currentWidget()
        reload = getattr(current, "reload", None)
        if reload:
            reload()

    def save_state(self) -> None:
        pass
