"""The filters above a leads table: campaign, stage, score range (and "hot only"), owner, creation date,
plus saved filters. It builds a `LeadFilter` (without the search text, which the table's search box adds)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QSpinBox,
    QToolBar,
    QToolButton,
    QWidget,
)

from leaddesk.domain.enums import Role, Stage
from leaddesk.domain.queries import LeadFilter, SavedFilterRow
from leaddesk.domain.records import CampaignRow, MemberRow
from leaddesk.ui.formatting import stage_label
from leaddesk.ui.resources import icon
from leaddesk.ui.widgets.date_field import date_field

ANY = None
STAGES_IN_MARKETING = frozenset({Stage.NEW, Stage.MQL})


def _day_start(day: date) -> datetime:
    """Local midnight of `day`, as UTC."""
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


class LeadFilterBar(QWidget):
    changed = Signal(object)
    #: Ask the page to save the current filter (name, shared).
    save_requested = Signal(str)
    delete_requested = Signal(int)

    def __init__(self, today: Callable[[], date], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today
        self._threshold = 0
        self._saved: list[SavedFilterRow] = []
        self._text = ""
        self._date_actions: list[Any] = []

        self.saved = QComboBox(self)
        self.saved.setObjectName("savedFilters")
        self.saved.setMinimumWidth(150)
        self.saved.setToolTip(self.tr("Saved filters"))
        self.save_button = QToolButton(self)
        self.save_button.setIcon(icon("save"))
        self.save_button.setToolTip(self.tr("Save these filters…"))
        self.delete_button = QToolButton(self)
        self.delete_button.setIcon(icon("trash"))
        self.delete_button.setToolTip(self.tr("Delete the chosen saved filter"))

        self.campaign = QComboBox(self)
        self.campaign.setObjectName("filterCampaign")
        self.campaign.setMinimumWidth(170)
        self.stage = QComboBox(self)
        self.stage.setObjectName("filterStage")
        self.stage.addItem(self.tr("All stages"), ANY)
        self.stage.addItem(self.tr("In marketing (new, MQL)"), "marketing")
        for s in Stage:
            self.stage.addItem(stage_label(s), s.value)
        self.hot = QToolButton(self)
        self.hot.setObjectName("filterHot")
        self.hot.setCheckable(True)
        self.hot.setIcon(icon("hot"))
        self.hot.setText(self.tr("Hot"))
        self.hot.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.min_score = QSpinBox(self)
        self.min_score.setObjectName("filterMinScore")
        self.max_score = QSpinBox(self)
        self.max_score.setObjectName("filterMaxScore")
        for spin in (self.min_score, self.max_score):
            spin.setRange(0, 10_000)
            spin.setSpecialValueText(self.tr("any"))
            spin.setFixedWidth(64)
        self.owner = QComboBox(self)
        self.owner.setObjectName("filterOwner")
        self.owner.setMinimumWidth(130)
        self.period = QComboBox(self)
        self.period.setObjectName("filterPeriod")
        for label, key in (
            (self.tr("Any time"), ANY),
            (self.tr("Today"), "today"),
            (self.tr("Last 7 days"), "7"),
            (self.tr("Last 30 days"), "30"),
            (self.tr("This month"), "month"),
            (self.tr("Last 90 days"), "90"),
            (self.tr("Between…"), "custom"),
        ):
            self.period.addItem(label, key)
        self.date_from = date_field(self)
        self.date_to = date_field(self)
        for edit in (self.date_from, self.date_to):
            edit.setDate(QDate.currentDate())
        self.reset_button = QToolButton(self)
        self.reset_button.setText(self.tr("Clear"))
        self.reset_button.setToolTip(self.tr("Show every lead"))

        # A tool bar, so that on a narrow window the controls that do not fit go into its overflow menu
        # instead of forcing the window wider.
        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("leadFilterBar")
        self.toolbar.setIconSize(QSize(18, 18))
        self.toolbar.setStyleSheet("QToolBar { border: none; spacing: 6px; }")
        filter_icon = QLabel(self)
        filter_icon.setPixmap(icon("filter").pixmap(18, 18))
        for combo, width in (
            (self.campaign, 175),
            (self.stage, 130),
            (self.owner, 130),
            (self.period, 110),
            (self.saved, 140),
        ):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            combo.setFixedWidth(width)
        for widget in (
            filter_icon,
            self.campaign,
            self.stage,
            self.owner,
            self.period,
            self.date_from,
            self.date_to,
            QLabel(" " + self.tr("Score"), self),
            self.min_score,
            QLabel("–", self),
            self.max_score,
            self.hot,
            self.reset_button,
        ):
            action = self.toolbar.addWidget(widget)
            if widget in (self.date_from, self.date_to):
                self._date_actions.append(action)
        # Saved filters sit in their own box; a page may place it elsewhere (e.g. by the bulk actions).
        self.saved_box = QWidget(self)
        saved_layout = QHBoxLayout(self.saved_box)
        saved_layout.setContentsMargins(0, 0, 0, 0)
        saved_layout.setSpacing(2)
        for widget in (self.saved, self.save_button, self.delete_button):
            saved_layout.addWidget(widget)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar, 1)
        layout.addWidget(self.saved_box)

        for combo in (self.campaign, self.stage, self.owner):
            combo.currentIndexChanged.connect(self._emit)
        self.period.currentIndexChanged.connect(self._period_changed)
        for spin in (self.min_score, self.max_score):
            spin.valueChanged.connect(self._score_typed)
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self._emit)
        self.hot.toggled.connect(self._hot_toggled)
        self.reset_button.clicked.connect(self.reset)
        self.saved.activated.connect(self._saved_chosen)
        self.save_button.clicked.connect(self._ask_save)
        self.delete_button.clicked.connect(self._delete_saved)
        self.set_choices([], [])
        self.set_saved([])
        self._show_dates()

    # --- choices -------------------------------------------------------------------------------------

    def set_choices(self, campaigns: list[CampaignRow], members: list[MemberRow]) -> None:
        current_campaign, current_owner = self.campaign.currentData(), self.owner.currentData()
        with QSignalBlocker(self.campaign), QSignalBlocker(self.owner):
            self.campaign.clear()
            self.campaign.addItem(self.tr("All campaigns"), ANY)
            for c in campaigns:
                self.campaign.addItem(icon("campaign"), c.name, c.id)
            self.owner.clear()
            self.owner.addItem(self.tr("Any owner"), ANY)
            for m in members:
                if m.role in (Role.MARKETING, Role.MANAGER):
                    self.owner.addItem(m.name, m.id)
            self.campaign.setCurrentIndex(max(self.campaign.findData(current_campaign), 0))
            self.owner.setCurrentIndex(max(self.owner.findData(current_owner), 0))

    def set_threshold(self, threshold: int) -> None:
        self._threshold = threshold
        self.hot.setToolTip(self.tr("Only hot leads: score %1 or more").replace("%1", str(threshold)))
        if self.hot.isChecked():
            with QSignalBlocker(self.min_score):
                self.min_score.setValue(threshold)
            self._emit()

    def set_saved(self, saved: list[SavedFilterRow]) -> None:
        self._saved = saved
        with QSignalBlocker(self.saved):
            self.saved.clear()
            self.saved.addItem(self.tr("Saved filters…"), ANY)
            for f in saved:
                self.saved.addItem(f.name + ("" if f.shared else self.tr(" (mine)")), f.id)
        self.delete_button.setEnabled(bool(saved))

    # --- the filter ----------------------------------------------------------------------------------

    def set_text(self, text: str) -> None:
        self._text = text

    def lead_filter(self) -> LeadFilter:
        stage = self.stage.currentData()
        stages: frozenset[Stage] = frozenset()
        if stage == "marketing":
            stages = STAGES_IN_MARKETING
        elif stage:
            stages = frozenset({Stage(stage)})
        campaign = self.campaign.currentData()
        owner = self.owner.currentData()
        created_from, created_to = self._period()
        return LeadFilter(
            text=self._text,
            stages=stages,
            campaign_ids=frozenset({campaign}) if campaign is not None else frozenset(),
            marketing_owner_ids=frozenset({owner}) if owner is not None else frozenset(),
            min_score=self.min_score.value() or None,
            max_score=self.max_score.value() or None,
            created_from=created_from,
            created_to=created_to,
        )

    def _period(self) -> tuple[datetime | None, datetime | None]:
        key = self.period.currentData()
        today = self._today()
        tomorrow = _day_start(today + timedelta(days=1))
        if key is None:
            return None, None
        if key == "today":
            return _day_start(today), tomorrow
        if key == "month":
            return _day_start(today.replace(day=1)), tomorrow
        if key == "custom":
            a, b = self.date_from.date(), self.date_to.date()
            start = date(a.year(), a.month(), a.day())
            end = date(b.year(), b.month(), b.day())
            return _day_start(start), _day_start(end + timedelta(days=1))
        return _day_start(today - timedelta(days=int(key) - 1)), tomorrow

    def apply_filter(self, flt: LeadFilter) -> None:
        """Show `flt` in the controls (a saved filter was chosen) and emit it."""
        blockers = [
            QSignalBlocker(w)
            for w in (
                self.campaign,
                self.stage,
                self.owner,
                self.period,
                self.min_score,
                self.max_score,
                self.hot,
                self.date_from,
                self.date_to,
            )
        ]
        campaign = next(iter(sorted(flt.campaign_ids)), None)
        self.campaign.setCurrentIndex(max(self.campaign.findData(campaign), 0))
        owner = next(iter(sorted(flt.marketing_owner_ids)), None)
        self.owner.setCurrentIndex(max(self.owner.findData(owner), 0))
        if flt.stages == STAGES_IN_MARKETING:
            self.stage.setCurrentIndex(self.stage.findData("marketing"))
        elif len(flt.stages) == 1:
            self.stage.setCurrentIndex(self.stage.findData(next(iter(flt.stages)).value))
        else:
            self.stage.setCurrentIndex(0)
        self.min_score.setValue(flt.min_score or 0)
        self.max_score.setValue(flt.max_score or 0)
        self.hot.setChecked(bool(self._threshold) and flt.min_score == self._threshold)
        if flt.created_from is None and flt.created_to is None:
            self.period.setCurrentIndex(0)
        else:
            self.period.setCurrentIndex(self.period.findData("custom"))
            start = (flt.created_from or datetime(2000, 1, 1, tzinfo=UTC)).astimezone().date()
            end = (flt.created_to or _day_start(self._today() + timedelta(days=1))) - timedelta(seconds=1)
            end_day = end.astimezone().date()
            self.date_from.setDate(QDate(start.year, start.month, start.day))
            self.date_to.setDate(QDate(end_day.year, end_day.month, end_day.day))
        self._show_dates()
        del blockers
        self._text = flt.text
        self._emit()

    def reset(self) -> None:
        with QSignalBlocker(self.saved):
            self.saved.setCurrentIndex(0)
        self.apply_filter(replace(LeadFilter(), text=""))

    # --- reactions -----------------------------------------------------------------------------------

    def _emit(self) -> None:
        self.changed.emit(self.lead_filter())

    def _show_dates(self) -> None:
        custom = self.period.currentData() == "custom"
        for action in self._date_actions:
            action.setVisible(custom)

    def _period_changed(self) -> None:
        self._show_dates()
        self._emit()

    def _hot_toggled(self, on: bool) -> None:
        with QSignalBlocker(self.min_score):
            self.min_score.setValue(self._threshold if on else 0)
        self._emit()

    def _score_typed(self) -> None:
        with QSignalBlocker(self.hot):
            self.hot.setChecked(bool(self._threshold) and self.min_score.value() == self._threshold)
        self._emit()

    def _saved_chosen(self, index: int) -> None:
        filter_id = self.saved.itemData(index)
        found = next((f for f in self._saved if f.id == filter_id), None)
        if found is not None:
            self.apply_filter(found.filter)

    def _ask_save(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("Save filters"), self.tr("Name of these filters:"))
        if ok and name.strip():
            self.save_requested.emit(name.strip())

    def _delete_saved(self) -> None:
        filter_id = self.saved.currentData()
        if filter_id is not None:
            self.delete_requested.emit(filter_id)
