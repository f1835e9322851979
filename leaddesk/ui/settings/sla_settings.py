"""Settings → Service level (SLA): the agreement between marketing and sales, versioned.

Targets both ways, the at-risk share, the reasons sales may give for returning a lead, ordered priority
rules (by score band and/or campaigns), the business calendar (time zone, several opening intervals per
day, public holidays, closures), the reassign option, and the instant the new version is in force from.
Saving adds a version (`SlaService.set_policy`) and recomputes the clocks of every lead it governs, on a
worker with a progress bar; earlier periods keep being judged by the version in force then.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.errors import UserError, ValidationError
from leaddesk.domain.records import CampaignRow
from leaddesk.services.calendar import (
    WEEKDAY_NAMES,
    BusinessCalendar,
    CalendarError,
    Closure,
    OpeningInterval,
    normalize_hours,
)
from leaddesk.services.sla.policy import SlaPolicy, SlaRule
from leaddesk.services.sla.sla_service import PolicyVersion
from leaddesk.ui.background import run_in_background, run_task
from leaddesk.ui.context import AppContext
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import (
    format_date,
    format_datetime,
    format_int,
    reject_reason_label,
)
from leaddesk.ui.i18n import tr
from leaddesk.ui.resources import icon
from leaddesk.ui.widgets.alive import while_alive
from leaddesk.ui.widgets.date_field import date_field

#: Holiday calendars offered first (any other ISO code can be typed).
COUNTRIES = ("IT", "SM", "VA", "CH", "AT", "DE", "FR", "ES", "PT", "BE", "NL", "LU", "IE", "GB", "US")
NO_SCORE = -1
CODE_ROLE = Qt.ItemDataRole.UserRole + 1


def _hours_spin(parent: QWidget, name: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox(parent)
    box.setObjectName(name)
    box.setRange(0.25, 24 * 365)
    box.setDecimals(2)
    box.setSingleStep(0.5)
    box.setSuffix(tr("SlaSettings", " business h"))
    return box


def _score_spin(parent: QWidget, name: str) -> QSpinBox:
    box = QSpinBox(parent)
    box.setObjectName(name)
    box.setRange(NO_SCORE, 10_000)
    box.setSpecialValueText(tr("SlaSettings", "any"))
    return box


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def country_label(code: str) -> str:
    territory = QLocale.codeToTerritory(code)
    name = QLocale.territoryToString(territory) if territory != QLocale.Country.AnyTerritory else ""
    return f"{code} — {name}" if name else code


def intervals_text(day: tuple[OpeningInterval, ...]) -> str:
    return ", ".join(str(i) for i in day)


def parse_intervals(text: str) -> tuple[OpeningInterval, ...]:
    """'09:00-13:00, 14:00-18:00' → intervals; empty or 'closed' → none. Raises `CalendarError`."""
    cleaned = text.strip().lower()
    if cleaned in ("", "closed", "chiuso", "-"):
        return ()
    return tuple(OpeningInterval.parse(part) for part in cleaned.replace(";", ",").split(",") if part.strip())


def rule_summary(rule: SlaRule, campaigns: dict[int, str]) -> tuple[str, str, str, str, str]:
    if rule.min_score is None and rule.max_score is None:
        score = tr("SlaSettings", "any score")
    elif rule.max_score is None:
        score = tr("SlaSettings", "≥ %1").replace("%1", str(rule.min_score))
    elif rule.min_score is None:
        score = tr("SlaSettings", "≤ %1").replace("%1", str(rule.max_score))
    else:
        score = f"{rule.min_score}–{rule.max_score}"
    names = ", ".join(campaigns.get(c, f"#{c}") for c in sorted(rule.campaign_ids)) or tr(
        "SlaSettings", "any campaign"
    )
    loc = QLocale()
    return (
        rule.name,
        score,
        names,
        loc.toString(rule.accept_within_hours, "g", 4) + " h",
        loc.toString(rule.first_contact_within_hours, "g", 4) + " h",
    )


class SlaSettings(QWidget):
    #: A new policy version was saved (its `PolicyVersion`); every lead it governs was recomputed.
    policy_saved = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.loaded = False
        self.saving = False
        self.rules: list[SlaRule] = []
        self.campaigns: list[CampaignRow] = []
        self.versions: list[PolicyVersion] = []
        self.current: SlaPolicy | None = None
        self._filling = False

        body = QWidget(self)
        column = QVBoxLayout(body)
        column.setSpacing(10)
        column.addWidget(self._targets_box())
        column.addWidget(self._rules_box())
        column.addWidget(self._reasons_box())
        column.addWidget(self._calendar_box())
        column.addWidget(self._versions_box())
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)

        self.effective = QDateTimeEdit(self)
        self.effective.setObjectName("slaEffectiveFrom")
        self.effective.setCalendarPopup(True)
        self.effective.setToolTip(
            self.tr(
                "Leads handed off from this moment on are judged by the new version and their clocks are "
                "recomputed; earlier periods keep the version that was in force then."
            )
        )
        self.save_button = QPushButton(icon("save"), self.tr("Save as new version"), self)
        self.save_button.setObjectName("saveSlaPolicy")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton(self.tr("Revert"), self)
        self.revert_button.clicked.connect(self.reload)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("slaProgress")
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.status = QLabel(self)
        self.status.setObjectName("slaSettingsStatus")
        self.status.setStyleSheet("color: palette(placeholder-text);")
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel(self.tr("In force from:"), self))
        bottom.addWidget(self.effective)
        bottom.addWidget(self.progress)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.revert_button)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(bottom)

    # --- building the form -----------------------------------------------------------------------------

    def _targets_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("What each side commits to"), self)
        grid = QGridLayout(box)
        self.accept_within = _hours_spin(box, "slaAcceptWithin")
        self.contact_within = _hours_spin(box, "slaContactWithin")
        self.min_attempts = QSpinBox(box)
        self.min_attempts.setObjectName("slaMinAttempts")
        self.min_attempts.setRange(0, 50)
        self.attempts_days = QSpinBox(box)
        self.attempts_days.setRange(0, 90)
        self.attempts_days.setSuffix(self.tr(" days"))
        self.mql_target = QSpinBox(box)
        self.mql_target.setRange(0, 1_000_000)
        self.not_in_target = QDoubleSpinBox(box)
        self.not_in_target.setRange(0, 100)
        self.not_in_target.setSuffix(" %")
        self.acceptance = QDoubleSpinBox(box)
        self.acceptance.setRange(0, 100)
        self.acceptance.setSuffix(" %")
        self.at_risk = QSpinBox(box)
        self.at_risk.setObjectName("slaAtRiskShare")
        self.at_risk.setRange(1, 99)
        self.at_risk.setSuffix(" %")
        self.reassign = QCheckBox(
            self.tr("A lead not accepted in time goes back to the pool and to the next rep (round-robin)"),
            box,
        )
        self.reassign.setObjectName("slaReassign")
        sales = QLabel(self.tr("<b>Sales</b> accepts or returns a lead within"), box)
        grid.addWidget(sales, 0, 0)
        grid.addWidget(self.accept_within, 0, 1)
        grid.addWidget(QLabel(self.tr("and reaches it within"), box), 0, 2)
        grid.addWidget(self.contact_within, 0, 3)
        grid.addWidget(QLabel(self.tr("with at least"), box), 1, 0, Qt.AlignmentFlag.AlignRight)
        attempts = QHBoxLayout()
        attempts.addWidget(self.min_attempts)
        attempts.addWidget(QLabel(self.tr("attempts within"), box))
        attempts.addWidget(self.attempts_days)
        attempts.addStretch(1)
        grid.addLayout(attempts, 1, 1, 1, 3)
        grid.addWidget(QLabel(self.tr("<b>Marketing</b> delivers"), box), 2, 0)
        grid.addWidget(self.mql_target, 2, 1)
        grid.addWidget(QLabel(self.tr("MQLs a month, at most"), box), 2, 2)
        grid.addWidget(self.not_in_target, 2, 3)
        grid.addWidget(QLabel(self.tr("returned as not in target; acceptance at least"), box), 3, 0, 1, 3)
        grid.addWidget(self.acceptance, 3, 3)
        grid.addWidget(QLabel(self.tr("A clock is <b>at risk</b> once"), box), 4, 0)
        grid.addWidget(self.at_risk, 4, 1)
        grid.addWidget(QLabel(self.tr("of its time is used"), box), 4, 2, 1, 2)
        grid.addWidget(self.reassign, 5, 0, 1, 4)
        grid.setColumnStretch(4, 1)
        return box

    def _rules_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Priority rules — the first rule a lead matches gives its targets"), self)
        self.rules_table = QTableWidget(0, 5, box)
        self.rules_table.setObjectName("slaRules")
        self.rules_table.setHorizontalHeaderLabels(
            [self.tr("Rule"), self.tr("Score"), self.tr("Campaigns"), self.tr("Accept"), self.tr("Contact")]
        )
        self.rules_table.verticalHeader().setVisible(False)
        self.rules_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rules_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rules_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.rules_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.rules_table.setMaximumHeight(150)
        self.rules_table.itemSelectionChanged.connect(self._rule_selected)
        buttons = QVBoxLayout()
        self.add_rule_button = QPushButton(icon("add"), self.tr("Add"), box)
        self.add_rule_button.setObjectName("slaAddRule")
        self.remove_rule_button = QPushButton(icon("trash"), self.tr("Remove"), box)
        self.up_rule_button = QPushButton(self.tr("Move up"), box)
        self.down_rule_button = QPushButton(self.tr("Move down"), box)
        self.add_rule_button.clicked.connect(self.add_rule)
        self.remove_rule_button.clicked.connect(self.remove_rule)
        self.up_rule_button.clicked.connect(lambda: self.move_rule(-1))
        self.down_rule_button.clicked.connect(lambda: self.move_rule(1))
        for b in (self.add_rule_button, self.remove_rule_button, self.up_rule_button, self.down_rule_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.rules_table, 1)
        top.addLayout(buttons)

        self.rule_editor = QWidget(box)
        form = QGridLayout(self.rule_editor)
        form.setContentsMargins(0, 0, 0, 0)
        self.rule_name = QLineEdit(self.rule_editor)
        self.rule_name.setObjectName("slaRuleName")
        self.rule_min = _score_spin(self.rule_editor, "slaRuleMinScore")
        self.rule_max = _score_spin(self.rule_editor, "slaRuleMaxScore")
        self.rule_accept = _hours_spin(self.rule_editor, "slaRuleAccept")
        self.rule_contact = _hours_spin(self.rule_editor, "slaRuleContact")
        self.rule_campaigns = QListWidget(self.rule_editor)
        self.rule_campaigns.setObjectName("slaRuleCampaigns")
        self.rule_campaigns.setMaximumHeight(96)
        form.addWidget(QLabel(self.tr("Name:"), self.rule_editor), 0, 0)
        form.addWidget(self.rule_name, 0, 1, 1, 3)
        form.addWidget(QLabel(self.tr("Score from:"), self.rule_editor), 1, 0)
        form.addWidget(self.rule_min, 1, 1)
        form.addWidget(QLabel(self.tr("to:"), self.rule_editor), 1, 2)
        form.addWidget(self.rule_max, 1, 3)
        form.addWidget(QLabel(self.tr("Accept within:"), self.rule_editor), 2, 0)
        form.addWidget(self.rule_accept, 2, 1)
        form.addWidget(QLabel(self.tr("Reach within:"), self.rule_editor), 2, 2)
        form.addWidget(self.rule_contact, 2, 3)
        form.addWidget(QLabel(self.tr("Campaigns (none ticked: any):"), self.rule_editor), 0, 4)
        form.addWidget(self.rule_campaigns, 1, 4, 3, 1)
        form.setColumnStretch(4, 1)
        for widget in (self.rule_min, self.rule_max, self.rule_accept, self.rule_contact):
            widget.valueChanged.connect(self._rule_edited)
        self.rule_name.textEdited.connect(self._rule_edited)
        self.rule_campaigns.itemChanged.connect(self._rule_edited)
        layout = QVBoxLayout(box)
        layout.addLayout(top)
        layout.addWidget(self.rule_editor)
        return box

    def _reasons_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Reasons sales can give when returning a lead"), self)
        self.reasons = QListWidget(box)
        self.reasons.setObjectName("slaReasons")
        self.reasons.setMaximumHeight(130)
        self.new_reason = QLineEdit(box)
        self.new_reason.setObjectName("slaNewReason")
        self.new_reason.setPlaceholderText(self.tr("A new reason, e.g. Company too small"))
        self.new_reason.returnPressed.connect(self.add_reason)
        add = QPushButton(icon("add"), self.tr("Add"), box)
        add.clicked.connect(self.add_reason)
        remove = QPushButton(icon("trash"), self.tr("Remove"), box)
        remove.clicked.connect(self.remove_reason)
        up = QPushButton(self.tr("Move up"), box)
        up.clicked.connect(lambda: self._move_item(self.reasons, -1))
        down = QPushButton(self.tr("Move down"), box)
        down.clicked.connect(lambda: self._move_item(self.reasons, 1))
        side = QVBoxLayout()
        for b in (remove, up, down):
            side.addWidget(b)
        side.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.reasons, 1)
        row.addLayout(side)
        entry = QHBoxLayout()
        entry.addWidget(self.new_reason, 1)
        entry.addWidget(add)
        layout = QVBoxLayout(box)
        layout.addLayout(row)
        layout.addLayout(entry)
        return box

    def _calendar_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Business calendar — the SLA counts only these hours"), self)
        self.zone = QComboBox(box)
        self.zone.setObjectName("slaZone")
        self.zone.setEditable(True)
        self.zone.addItems(sorted(zoneinfo.available_timezones()))
        self.zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = QCompleter(self.zone.model(), self.zone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.zone.setCompleter(completer)
        self.country = QComboBox(box)
        self.country.setObjectName("slaCountry")
        self.country.setEditable(True)
        self.country.addItem(self.tr("No public holidays"), "")
        for code in COUNTRIES:
            self.country.addItem(country_label(code), code)
        self.subdivision = QLineEdit(box)
        self.subdivision.setPlaceholderText(self.tr("Region (optional), e.g. BZ"))
        self.subdivision.setMaximumWidth(180)
        self.day_edits: list[QLineEdit] = []
        hours = QFormLayout()
        locale = QLocale()
        for index, key in enumerate(WEEKDAY_NAMES):
            edit = QLineEdit(box)
            edit.setObjectName(f"slaHours-{key}")
            edit.setPlaceholderText(self.tr("closed"))
            edit.setToolTip(self.tr("Opening intervals, e.g. 09:00-13:00, 14:00-18:00 (empty: closed)"))
            edit.textChanged.connect(lambda _t, e=edit: self._check_day(e))
            self.day_edits.append(edit)
            hours.addRow(locale.dayName(index + 1, QLocale.FormatType.LongFormat).capitalize() + ":", edit)
        self.closures = QListWidget(box)
        self.closures.setObjectName("slaClosures")
        self.closures.setMaximumHeight(110)
        self.closure_from = date_field(box)
        self.closure_to = date_field(box)
        for date_edit in (self.closure_from, self.closure_to):
            date_edit.setDate(QDate.currentDate())
        self.closure_label = QLineEdit(box)
        self.closure_label.setPlaceholderText(self.tr("Why, e.g. Summer closure"))
        add = QPushButton(icon("add"), self.tr("Add closure"), box)
        add.setObjectName("slaAddClosure")
        add.clicked.connect(self.add_closure)
        remove = QPushButton(icon("trash"), self.tr("Remove"), box)
        remove.clicked.connect(lambda: self._remove_current(self.closures))
        closure_row = QHBoxLayout()
        closure_row.addWidget(QLabel(self.tr("From"), box))
        closure_row.addWidget(self.closure_from)
        closure_row.addWidget(QLabel(self.tr("to"), box))
        closure_row.addWidget(self.closure_to)
        closure_row.addWidget(self.closure_label, 1)
        closure_row.addWidget(add)
        closure_row.addWidget(remove)

        left = QFormLayout()
        left.addRow(self.tr("Time zone:"), self.zone)
        holiday_row = QHBoxLayout()
        holiday_row.addWidget(self.country, 1)
        holiday_row.addWidget(self.subdivision)
        left.addRow(self.tr("Public holidays:"), holiday_row)
        left.addRow(QLabel(self.tr("Opening hours (several intervals a day are fine):"), box))
        left.addRow(hours)
        right = QVBoxLayout()
        right.addWidget(QLabel(self.tr("Closures (holidays of the whole team, bridges…):"), box))
        right.addWidget(self.closures, 1)
        right.addLayout(closure_row)
        layout = QHBoxLayout(box)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)
        return box

    def _versions_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Versions — each period is judged by the version in force then"), self)
        self.versions_tree = QTreeWidget(box)
        self.versions_tree.setObjectName("slaVersions")
        self.versions_tree.setRootIsDecorated(False)
        self.versions_tree.setHeaderLabels([self.tr("In force from"), self.tr("Saved"), self.tr("Targets")])
        self.versions_tree.setColumnWidth(0, 160)
        self.versions_tree.setColumnWidth(1, 160)
        self.versions_tree.setMaximumHeight(140)
        layout = QVBoxLayout(box)
        layout.addWidget(self.versions_tree)
        return box

    # --- loading ---------------------------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.reload()

    def reload(self) -> None:
        sla, campaigns = self._ctx.services.sla, self._ctx.services.campaigns

        def work() -> tuple[list[PolicyVersion], list[CampaignRow]]:
            return sla.policy_versions(), campaigns.list_campaigns(include_archived=True)

        run_in_background(
            work,
            on_done=while_alive(self, lambda r: self.show_policy(*r)),
            on_error=while_alive(self, lambda e: show_error(self, e)),
        )

    def show_policy(self, versions: list[PolicyVersion], campaigns: list[CampaignRow]) -> None:
        self.loaded = True
        self.versions = versions
        self.campaigns = campaigns
        policy = versions[-1].policy if versions else SlaPolicy()
        self.current = policy
        self._filling = True
        self.accept_within.setValue(policy.accept_within_hours)
        self.contact_within.setValue(policy.first_contact_within_hours)
        self.min_attempts.setValue(policy.min_attempts)
        self.attempts_days.setValue(policy.attempts_within_days)
        self.mql_target.setValue(policy.monthly_mql_target)
        self.not_in_target.setValue(policy.max_not_in_target_pct)
        self.acceptance.setValue(policy.min_acceptance_rate_pct)
        self.at_risk.setValue(round(policy.at_risk_share * 100))
        self.reassign.setChecked(policy.reassign_unaccepted)
        self.reasons.clear()
        for code in policy.reject_reasons:
            self._add_reason_item(code)
        self.rules = list(policy.rules)
        self.rule_campaigns.clear()
        for c in campaigns:
            item = QListWidgetItem(c.name, self.rule_campaigns)
            item.setData(CODE_ROLE, c.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self._fill_rules(0 if self.rules else -1)
        self._show_calendar(policy.calendar)
        self._filling = False
        now = self._ctx.services.clock()
        self.effective.setDateTime(
            QDateTime.fromSecsSinceEpoch(int(now.timestamp()), QTimeZone.utc()).toLocalTime()
        )
        self.versions_tree.clear()
        for v in reversed(versions):
            p = v.policy
            targets = (
                self.tr("accept %1 h · contact %2 h · %3 rule(s)")
                .replace("%1", QLocale().toString(p.accept_within_hours, "g", 4))
                .replace("%2", QLocale().toString(p.first_contact_within_hours, "g", 4))
                .replace("%3", format_int(len(p.rules)))
            )
            since = (
                self.tr("the beginning")
                if v.effective_from.year <= 1970
                else format_datetime(v.effective_from)
            )
            QTreeWidgetItem(self.versions_tree, [since, format_datetime(v.created_at), targets])

    def _show_calendar(self, cal: BusinessCalendar) -> None:
        index = self.zone.findText(cal.tz)
        if index < 0:
            self.zone.addItem(cal.tz)
            index = self.zone.count() - 1
        self.zone.setCurrentIndex(index)
        country = cal.country or ""
        index = self.country.findData(country)
        if index < 0:
            self.country.addItem(country_label(country), country)
            index = self.country.count() - 1
        self.country.setCurrentIndex(index)
        self.subdivision.setText(cal.subdivision or "")
        for edit, day in zip(self.day_edits, cal.hours, strict=True):
            edit.setText(intervals_text(day))
        self.closures.clear()
        for closure in cal.closures:
            self._add_closure_item(closure)

    # --- priority rules --------------------------------------------------------------------------------

    def _campaign_names(self) -> dict[int, str]:
        return {c.id: c.name for c in self.campaigns}

    def _fill_rules(self, select: int) -> None:
        names = self._campaign_names()
        self.rules_table.blockSignals(True)
        self.rules_table.setRowCount(len(self.rules))
        for row, rule in enumerate(self.rules):
            for column, text in enumerate(rule_summary(rule, names)):
                self.rules_table.setItem(row, column, QTableWidgetItem(text))
        self.rules_table.blockSignals(False)
        if 0 <= select < len(self.rules):
            self.rules_table.selectRow(select)
        self._rule_selected()

    def current_rule(self) -> int:
        rows = {i.row() for i in self.rules_table.selectedIndexes()}
        return min(rows) if rows else -1

    def _rule_selected(self) -> None:
        index = self.current_rule()
        self.rule_editor.setEnabled(index >= 0)
        for b in (self.remove_rule_button, self.up_rule_button, self.down_rule_button):
            b.setEnabled(index >= 0)
        if index < 0:
            return
        rule = self.rules[index]
        filling, self._filling = self._filling, True
        self.rule_name.setText(rule.name)
        self.rule_min.setValue(NO_SCORE if rule.min_score is None else rule.min_score)
        self.rule_max.setValue(NO_SCORE if rule.max_score is None else rule.max_score)
        self.rule_accept.setValue(rule.accept_within_hours)
        self.rule_contact.setValue(rule.first_contact_within_hours)
        for i in range(self.rule_campaigns.count()):
            item = self.rule_campaigns.item(i)
            checked = item.data(CODE_ROLE) in rule.campaign_ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self._filling = filling

    def _rule_edited(self, *_args: Any) -> None:
        index = self.current_rule()
        if self._filling or index < 0:
            return
        campaigns = frozenset(
            int(self.rule_campaigns.item(i).data(CODE_ROLE))
            for i in range(self.rule_campaigns.count())
            if self.rule_campaigns.item(i).checkState() == Qt.CheckState.Checked
        )
        self.rules[index] = SlaRule(
            name=self.rule_name.text().strip() or self.tr("Rule %1").replace("%1", str(index + 1)),
            accept_within_hours=self.rule_accept.value(),
            first_contact_within_hours=self.rule_contact.value(),
            min_score=None if self.rule_min.value() == NO_SCORE else self.rule_min.value(),
            max_score=None if self.rule_max.value() == NO_SCORE else self.rule_max.value(),
            campaign_ids=campaigns,
        )
        for column, text in enumerate(rule_summary(self.rules[index], self._campaign_names())):
            item = self.rules_table.item(index, column)
            if item is not None:
                item.setText(text)

    def add_rule(self) -> None:
        n = len(self.rules) + 1
        self.rules.append(
            SlaRule(
                self.tr("Rule %1").replace("%1", str(n)),
                accept_within_hours=max(self.accept_within.value() / 2, 0.25),
                first_contact_within_hours=max(self.contact_within.value() / 2, 0.25),
            )
        )
        self._fill_rules(len(self.rules) - 1)
        self.rule_name.setFocus()
        self.rule_name.selectAll()

    def remove_rule(self) -> None:
        index = self.current_rule()
        if index >= 0:
            del self.rules[index]
            self._fill_rules(min(index, len(self.rules) - 1))

    def move_rule(self, step: int) -> None:
        index = self.current_rule()
        target = index + step
        if index < 0 or not 0 <= target < len(self.rules):
            return
        self.rules[index], self.rules[target] = self.rules[target], self.rules[index]
        self._fill_rules(target)

    # --- reasons and closures --------------------------------------------------------------------------

    def _add_reason_item(self, code: str) -> None:
        item = QListWidgetItem(reject_reason_label(code), self.reasons)
        item.setData(CODE_ROLE, code)

    def add_reason(self) -> None:
        text = " ".join(self.new_reason.text().split())
        if not text:
            return
        existing = {self.reasons.item(i).data(CODE_ROLE) for i in range(self.reasons.count())}
        if text not in existing:
            self._add_reason_item(text)
        self.new_reason.clear()

    def remove_reason(self) -> None:
        self._remove_current(self.reasons)

    def reason_codes(self) -> tuple[str, ...]:
        return tuple(str(self.reasons.item(i).data(CODE_ROLE)) for i in range(self.reasons.count()))

    @staticmethod
    def _move_item(widget: QListWidget, step: int) -> None:
        row = widget.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < widget.count():
            return
        item = widget.takeItem(row)
        widget.insertItem(target, item)
        widget.setCurrentRow(target)

    @staticmethod
    def _remove_current(widget: QListWidget) -> None:
        row = widget.currentRow()
        if row >= 0:
            widget.takeItem(row)

    def _add_closure_item(self, closure: Closure) -> None:
        text = format_date(closure.start)
        if closure.end != closure.start:
            text += " → " + format_date(closure.end)
        if closure.label:
            text += f"  ({closure.label})"
        item = QListWidgetItem(text, self.closures)
        item.setData(CODE_ROLE, closure)

    def add_closure(self) -> None:
        try:
            closure = Closure(
                _pydate(self.closure_from.date()),
                _pydate(self.closure_to.date()),
                self.closure_label.text().strip(),
            )
        except CalendarError as exc:
            show_error(self, exc)
            return
        existing = [self.closures.item(i).data(CODE_ROLE) for i in range(self.closures.count())]
        self.closures.clear()
        for c in sorted({*existing, closure}):
            self._add_closure_item(c)
        self.closure_label.clear()

    def _check_day(self, edit: QLineEdit) -> None:
        try:
            parse_intervals(edit.text())
        except CalendarError as exc:
            edit.setStyleSheet("border: 1px solid #c62828;")
            edit.setToolTip(str(exc))
        else:
            edit.setStyleSheet("")
            edit.setToolTip(self.tr("Opening intervals, e.g. 09:00-13:00, 14:00-18:00 (empty: closed)"))

    # --- saving ----------------------------------------------------------------------------------------

    def calendar(self) -> BusinessCalendar:
        days = []
        for edit, key in zip(self.day_edits, WEEKDAY_NAMES, strict=True):
            try:
                days.append(parse_intervals(edit.text()))
            except CalendarError as exc:
                raise CalendarError(f"{key}: {exc.message}") from None
        country_text = self.country.currentText().strip()
        index = self.country.findText(country_text)
        country = self.country.itemData(index) if index >= 0 else country_text.split(" ")[0].upper()
        closures = tuple(self.closures.item(i).data(CODE_ROLE) for i in range(self.closures.count()))
        return BusinessCalendar(
            tz=self.zone.currentText().strip(),
            hours=normalize_hours(days),
            country=country or None,
            subdivision=self.subdivision.text().strip() or None,
            closures=closures,
        )

    def policy(self) -> SlaPolicy:
        """The policy the form describes; raises `ValidationError` (or `CalendarError`) when invalid."""
        base = self.current or SlaPolicy()
        return replace(
            base,
            accept_within_hours=self.accept_within.value(),
            first_contact_within_hours=self.contact_within.value(),
            min_attempts=self.min_attempts.value(),
            attempts_within_days=self.attempts_days.value(),
            monthly_mql_target=self.mql_target.value(),
            max_not_in_target_pct=self.not_in_target.value(),
            min_acceptance_rate_pct=self.acceptance.value(),
            at_risk_share=self.at_risk.value() / 100,
            reject_reasons=self.reason_codes(),
            rules=tuple(self.rules),
            reassign_unaccepted=self.reassign.isChecked(),
            calendar=self.calendar(),
        )

    def effective_from(self) -> datetime:
        return datetime.fromtimestamp(self.effective.dateTime().toSecsSinceEpoch(), UTC)

    def save(self) -> bool:
        """Validate, then add the version and recompute the clocks on a worker. False if invalid."""
        if self.saving:
            return False
        try:
            policy = self.policy()
            for rule in policy.rules:
                if (
                    rule.min_score is not None
                    and rule.max_score is not None
                    and rule.min_score > rule.max_score
                ):
                    raise ValidationError(
                        self.tr("Rule '%1': the lowest score is above the highest.").replace("%1", rule.name)
                    )
        except UserError as exc:
            show_error(self, exc)
            return False
        sla, when, actor = self._ctx.services.sla, self.effective_from(), self._ctx.member_id
        self.saving = True
        self.save_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText(self.tr("Saving and recomputing the clocks…"))
        run_task(
            lambda control: sla.set_policy(
                policy, effective_from=when, actor_id=actor, progress=control.progress
            ),
            on_done=while_alive(self, self._saved),
            on_error=while_alive(self, self._save_failed),
            on_progress=while_alive(self, self._progress),
        )
        return True

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _saved(self, version: PolicyVersion) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        self.progress.hide()
        self.status.setText(
            self.tr("Saved: in force from %1; the clocks were recomputed.").replace(
                "%1", format_datetime(version.effective_from)
            )
        )
        self.policy_saved.emit(version)
        self.reload()

    def _save_failed(self, exc: BaseException) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        self.progress.hide()
        self.status.setText("")
        show_error(self, exc)
