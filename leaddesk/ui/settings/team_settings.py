"""Settings → Team: members, their role, whether they are active, and their absences (round-robin
handoffs skip absent and inactive members)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.enums import Role
from leaddesk.domain.records import MemberRow
from leaddesk.ui.background import run_in_background
from leaddesk.ui.context import AppContext
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import format_date, role_label
from leaddesk.ui.resources import icon
from leaddesk.ui.widgets.date_field import date_field


def _date(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class TeamSettings(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.members: list[MemberRow] = []
        self._filling = False

        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("teamTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Name"), self.tr("Role"), self.tr("Active"), self.tr("Absent")]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(1, 120)
        self.table.setColumnWidth(2, 70)
        self.table.setColumnWidth(3, 220)
        self.table.itemChanged.connect(self._active_toggled)
        self.table.itemSelectionChanged.connect(self._show_absences)

        self.name = QLineEdit(self)
        self.name.setPlaceholderText(self.tr("Name and surname"))
        self.role = QComboBox(self)
        for role in Role:
            self.role.addItem(role_label(role), role)
        add = QPushButton(icon("add"), self.tr("Add member"), self)
        add.clicked.connect(self.add_member)
        add_row = QHBoxLayout()
        add_row.addWidget(self.name, 1)
        add_row.addWidget(self.role)
        add_row.addWidget(add)

        self.absences = QTableWidget(0, 3, self)
        self.absences.setObjectName("absenceTable")
        self.absences.setHorizontalHeaderLabels([self.tr("From"), self.tr("To"), self.tr("Note")])
        self.absences.verticalHeader().setVisible(False)
        self.absences.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.absences.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.absences.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.start = date_field(self)
        self.end = date_field(self)
        for edit in (self.start, self.end):
            edit.setDate(QDate.currentDate())
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(self.tr("Holiday, sick leave…"))
        add_absence = QPushButton(icon("add"), self.tr("Add absence"), self)
        add_absence.clicked.connect(self.add_absence)
        remove_absence = QPushButton(icon("trash"), self.tr("Remove"), self)
        remove_absence.clicked.connect(self.remove_absence)
        dates_row = QHBoxLayout()
        dates_row.addWidget(QLabel(self.tr("From"), self))
        dates_row.addWidget(self.start)
        dates_row.addWidget(QLabel(self.tr("to"), self))
        dates_row.addWidget(self.end)
        dates_row.addStretch(1)
        absence_row = QHBoxLayout()
        absence_row.addWidget(self.note, 1)
        absence_row.addWidget(add_absence)
        absence_row.addWidget(remove_absence)
        self.absence_box = QGroupBox(self.tr("Absences"), self)
        box_layout = QVBoxLayout(self.absence_box)
        box_layout.addWidget(self.absences, 1)
        box_layout.addLayout(dates_row)
        box_layout.addLayout(absence_row)

        hint = QLabel(
            self.tr("Round-robin handoffs go to active sales members who are not absent that day."), self
        )
        hint.setStyleSheet("color: palette(placeholder-text);")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.table, 2)
        layout.addLayout(add_row)
        layout.addWidget(self.absence_box, 1)
        self.loaded = False

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        if not self.loaded:
            self.reload()

    def reload(self) -> None:
        run_in_background(
            self._ctx.services.team.list_members,
            on_done=self.show_members,
            on_error=lambda e: show_error(self, e),
        )

    def show_members(self, members: list[MemberRow]) -> None:
        self.loaded = True
        chosen = self.current()
        self.members = members
        self._filling = True
        today = self._ctx.services.clock().date()
        self.table.setRowCount(len(members))
        for r, m in enumerate(members):
            self.table.setItem(r, 0, QTableWidgetItem(m.name))
            self.table.setItem(r, 1, QTableWidgetItem(role_label(m.role)))
            active = QTableWidgetItem()
            active.setFlags(
                Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            )
            active.setCheckState(Qt.CheckState.Checked if m.active else Qt.CheckState.Unchecked)
            self.table.setItem(r, 2, active)
            now = next((a for a in m.absences if a.covers(today)), None)
            nxt = next((a for a in m.absences if a.start > today), None)
            text = ""
            if now:
                text = self.tr("absent until %1").replace("%1", format_date(now.end))
            elif nxt:
                text = self.tr("away from %1").replace("%1", format_date(nxt.start))
            self.table.setItem(r, 3, QTableWidgetItem(text))
        self._filling = False
        if chosen is not None:
            row = next((i for i, m in enumerate(members) if m.id == chosen.id), -1)
            if row >= 0:
                self.table.selectRow(row)
        self._show_absences()

    def current(self) -> MemberRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.members[rows[0].row()] if rows and rows[0].row() < len(self.members) else None

    def _show_absences(self) -> None:
        member = self.current()
        self.absence_box.setEnabled(member is not None)
        self.absence_box.setTitle(
            self.tr("Absences of %1").replace("%1", member.name) if member else self.tr("Absences")
        )
        absences = member.absences if member else ()
        self.absences.setRowCount(len(absences))
        for r, a in enumerate(absences):
            self.absences.setItem(r, 0, QTableWidgetItem(format_date(a.start)))
            self.absences.setItem(r, 1, QTableWidgetItem(format_date(a.end)))
            self.absences.setItem(r, 2, QTableWidgetItem(a.note))

    def _run(self, work: object) -> None:
        def done(_result: object) -> None:
            self.reload()
            self._ctx.notify_changed()

        run_in_background(work, on_done=done, on_error=lambda e: show_error(self, e))  # type: ignore[arg-type]

    def _active_toggled(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != 2 or item.row() >= len(self.members):
            return
        member = self.members[item.row()]
        active = item.checkState() == Qt.CheckState.Checked
        team = self._ctx.services.team
        self._run(lambda: team.update_member(member.id, active=active))

    def add_member(self) -> None:
        name, role, team = self.name.text(), Role(self.role.currentData()), self._ctx.services.team
        self.name.clear()
        self._run(lambda: team.add_member(name, role))

    def add_absence(self) -> None:
        member = self.current()
        if member is None:
            return
        start, end, note, team = (
            _date(self.start.date()),
            _date(self.end.date()),
            self.note.text(),
            self._ctx.services.team,
        )
        self.note.clear()
        self._run(lambda: team.add_absence(member.id, start, end, note))

    def remove_absence(self) -> None:
        member = self.current()
        rows = self.absences.selectionModel().selectedRows()
        if member is None or not rows:
            return
        start, team = member.absences[rows[0].row()].start, self._ctx.services.team
        self._run(lambda: team.remove_absence(member.id, start))
