"""Settings → Lead scoring: the team's rules (fit and engagement), their points and the MQL threshold.
Saving re-scores every lead in the background, with progress and cancel; the window stays usable."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.errors import ValidationError
from leaddesk.domain.scoring import (
    KeywordRule,
    RecencyBand,
    RescoreResult,
    ScoringRules,
    SizeBand,
    default_rules,
    validate_rules,
)
from leaddesk.ui.background import TaskControl, run_in_background, run_task
from leaddesk.ui.context import AppContext
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import format_decimal, format_int
from leaddesk.ui.resources import icon


class RuleTable(QWidget):
    """An editable list of rules with add and remove buttons."""

    def __init__(self, headers: list[str], widths: list[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(headers), self)
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        for i, width in enumerate(widths):
            if width:
                self.table.setColumnWidth(i, width)
            else:
                header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
        add = QToolButton(self)
        add.setIcon(icon("add"))
        add.setToolTip(self.tr("Add a rule"))
        add.clicked.connect(lambda: self.add_row([""] * len(headers)))
        remove = QToolButton(self)
        remove.setIcon(icon("trash"))
        remove.setToolTip(self.tr("Remove the selected rule"))
        remove.clicked.connect(self._remove)
        buttons = QVBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def set_rows(self, rows: list[list[str]]) -> None:
        self.table.setRowCount(0)
        for row in rows:
            self.add_row(row)
        self.table.setFixedHeight(min(34 + 28 * max(len(rows), 2), 260))

    def add_row(self, values: list[str]) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            if c == len(values) - 1 or value.lstrip("-").isdigit():
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(r, c, item)

    def _remove(self) -> None:
        for r in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(r)

    def rows(self) -> list[list[str]]:
        out = []
        for r in range(self.table.rowCount()):
            values = [
                (self.table.item(r, c).text() if self.table.item(r, c) else "").strip()
                for c in range(self.table.columnCount())
            ]
            if any(values):
                out.append(values)
        return out


def _int(text: str, what: str, *, blank: int | None = None) -> int:
    if not text and blank is not None:
        return blank
    try:
        return int(text.replace("+", ""))
    except ValueError:
        raise ValidationError(f"{what}: '{text}' is not a whole number.") from None


class ScoringSettings(QWidget):
    rules_saved = Signal(object)
    rescored = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.control: TaskControl | None = None
        self._started = 0.0

        intro = QLabel(
            self.tr(
                "A lead's score adds the points of the rules it meets. In each list the first matching rule "
                "counts; content types add up (each type once). Leads at or above the threshold are hot."
            ),
            self,
        )
        intro.setWordWrap(True)
        intro.setStyleSheet("color: palette(placeholder-text);")
        self.threshold = QSpinBox(self)
        self.threshold.setObjectName("mqlThreshold")
        self.threshold.setRange(0, 10_000)
        self.threshold.setSuffix(self.tr(" points"))
        self.titles = RuleTable(
            [self.tr("Rule"), self.tr("Job title keywords"), self.tr("Points")],
            [120, 0, 60],
            self,
        )
        # (The column is as wide as the table leaves it: the header stays short, the how goes here.)
        self.titles.table.horizontalHeaderItem(1).setToolTip(
            self.tr("Words separated by commas: a job title that holds one of them earns the points.")
        )
        self.sizes = RuleTable(
            [self.tr("From"), self.tr("To (empty: no limit)"), self.tr("Points")], [90, 150, 70], self
        )
        self.industries = RuleTable(
            [self.tr("Rule"), self.tr("Industry keywords"), self.tr("Points")], [120, 0, 60], self
        )
        self.countries = RuleTable(
            [self.tr("Rule"), self.tr("Countries (codes or names)"), self.tr("Points")], [120, 0, 60], self
        )
        self.per_touch = QSpinBox(self)
        self.per_touch.setObjectName("pointsPerTouch")
        self.max_touch = QSpinBox(self)
        for spin in (self.per_touch, self.max_touch):
            spin.setRange(0, 1000)
            spin.setSuffix(self.tr(" points"))
        self.recency = RuleTable([self.tr("Last touch within (days)"), self.tr("Points")], [170, 70], self)
        self.content = RuleTable([self.tr("Content type"), self.tr("Points")], [0, 70], self)

        fit = QGroupBox(self.tr("Fit: who the lead is"), self)
        fit_layout = QFormLayout(fit)
        fit_layout.addRow(self.tr("Job title:"), self.titles)
        fit_layout.addRow(self.tr("Company size:"), self.sizes)
        fit_layout.addRow(self.tr("Industry:"), self.industries)
        fit_layout.addRow(self.tr("Country:"), self.countries)
        engagement = QGroupBox(self.tr("Engagement: what the lead did"), self)
        eng_layout = QFormLayout(engagement)
        touches = QHBoxLayout()
        touches.addWidget(self.per_touch)
        touches.addWidget(QLabel(self.tr("per campaign touch, at most"), self))
        touches.addWidget(self.max_touch)
        touches.addStretch(1)
        eng_layout.addRow(self.tr("Touches:"), touches)
        eng_layout.addRow(self.tr("Recency:"), self.recency)
        eng_layout.addRow(self.tr("Content seen:"), self.content)

        self.save_button = QPushButton(icon("save"), self.tr("Save and re-score"), self)
        self.save_button.setObjectName("saveScoring")
        self.save_button.clicked.connect(self.save)
        self.defaults_button = QPushButton(self.tr("Back to defaults"), self)
        self.defaults_button.clicked.connect(lambda: self.show_rules(default_rules()))
        self.progress = QProgressBar(self)
        self.progress.setObjectName("rescoreProgress")
        self.progress.hide()
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel)
        self.result = QLabel(self)
        self.result.setObjectName("rescoreResult")
        self.result.setWordWrap(True)
        self.result.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        threshold_row = QHBoxLayout()
        threshold_row.addWidget(QLabel(self.tr("MQL threshold:"), self))
        threshold_row.addWidget(self.threshold)
        threshold_row.addSpacing(16)
        threshold_row.addWidget(self.result, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.cancel_button)
        bottom.addStretch(0)
        bottom.addWidget(self.defaults_button)
        bottom.addWidget(self.save_button)

        body = QWidget(self)
        grid = QGridLayout(body)
        grid.addWidget(intro, 0, 0, 1, 2)
        grid.addWidget(fit, 1, 0)
        grid.addWidget(engagement, 1, 1, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(2, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(threshold_row)
        layout.addLayout(bottom)
        self.loaded = False

    # --- loading and showing -------------------------------------------------------------------------

    def reload(self) -> None:
        run_in_background(
            self._ctx.services.scoring.rules, on_done=self.show_rules, on_error=lambda e: show_error(self, e)
        )

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.reload()

    def show_rules(self, rules: ScoringRules) -> None:
        self.loaded = True
        self.threshold.setValue(rules.mql_threshold)

        def kw(rs: tuple[KeywordRule, ...]) -> list[list[str]]:
            return [[r.label, ", ".join(r.keywords), str(r.points)] for r in rs]

        self.titles.set_rows(kw(rules.job_titles))
        self.industries.set_rows(kw(rules.industries))
        self.countries.set_rows(kw(rules.countries))
        self.sizes.set_rows(
            [
                [str(b.min_size), "" if b.max_size is None else str(b.max_size), str(b.points)]
                for b in rules.company_sizes
            ]
        )
        self.per_touch.setValue(rules.points_per_touch)
        self.max_touch.setValue(rules.max_touch_points)
        self.recency.set_rows([[str(b.within_days), str(b.points)] for b in rules.recency])
        self.content.set_rows([[t, str(p)] for t, p in rules.content_types])

    def rules(self) -> ScoringRules:
        """The rules as typed; raises ValidationError naming what to fix."""

        def kw(table: RuleTable, what: str) -> tuple[KeywordRule, ...]:
            return tuple(
                KeywordRule(
                    label, tuple(k.strip() for k in words.split(",") if k.strip()), _int(points, what)
                )
                for label, words, points in table.rows()
            )

        rules = ScoringRules(
            job_titles=kw(self.titles, self.tr("Job title")),
            company_sizes=tuple(
                SizeBand(
                    _int(a, self.tr("Company size"), blank=0),
                    _int(b, self.tr("Company size")) if b else None,
                    _int(p, self.tr("Company size")),
                )
                for a, b, p in self.sizes.rows()
            ),
            industries=kw(self.industries, self.tr("Industry")),
            countries=kw(self.countries, self.tr("Country")),
            points_per_touch=self.per_touch.value(),
            max_touch_points=self.max_touch.value(),
            recency=tuple(
                RecencyBand(_int(d, self.tr("Recency")), _int(p, self.tr("Recency")))
                for d, p in self.recency.rows()
            ),
            content_types=tuple((t, _int(p, self.tr("Content seen"))) for t, p in self.content.rows()),
            mql_threshold=self.threshold.value(),
        )
        return validate_rules(rules)

    # --- saving and re-scoring -----------------------------------------------------------------------

    def save(self) -> None:
        try:
            rules = self.rules()
        except ValidationError as exc:
            show_error(self, exc)
            return
        scoring, actor = self._ctx.services.scoring, self._ctx.member_id
        self.save_button.setEnabled(False)
        run_in_background(
            lambda: scoring.save_rules(rules, actor_id=actor),
            on_done=self._saved,
            on_error=lambda e: (self.save_button.setEnabled(True), show_error(self, e)),
        )

    def _saved(self, rules: ScoringRules) -> None:
        self.rules_saved.emit(rules)
        self.rescore()

    def rescore(self) -> TaskControl:
        scoring = self._ctx.services.scoring
        self.save_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.result.setText(self.tr("Re-scoring…"))
        self._started = time.monotonic()
        self.control = run_task(
            lambda control: scoring.rescore(
                progress=control.progress, should_cancel=lambda: control.cancelled
            ),
            on_done=self._rescored,
            on_error=self._rescore_failed,
            on_progress=self._progress,
        )
        return self.control

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def cancel(self) -> None:
        if self.control is not None:
            self.control.cancel()

    def _finish(self) -> None:
        self.save_button.setEnabled(True)
        self.progress.hide()
        self.cancel_button.hide()
        self.control = None

    def _rescored(self, result: RescoreResult) -> None:
        self._finish()
        seconds = time.monotonic() - self._started
        if result.cancelled:
            text = self.tr("Stopped after %1 of %2 leads; the others keep their old score.")
        else:
            text = self.tr("%1 of %2 leads re-scored in %3 s; %4 scores changed.")
        self.result.setText(
            text.replace("%1", format_int(result.scored))
            .replace("%2", format_int(result.total))
            .replace("%3", format_decimal(seconds))
            .replace("%4", format_int(result.changed))
        )
        self._ctx.notify_changed()
        self.rescored.emit(result)

    def _rescore_failed(self, exc: BaseException) -> None:
        self._finish()
        self.result.setText("")
        show_error(self, exc)
