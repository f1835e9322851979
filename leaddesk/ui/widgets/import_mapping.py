"""The import wizard's preview: the first rows of the file under a row of editable column targets."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from leaddesk.domain.fields import ALL_FIELDS
from leaddesk.services.importing import FULL_NAME, IGNORE, ColumnMapping
from leaddesk.services.importing.normalising import cell_text
from leaddesk.ui.i18n import tr

#: The combo's value for "keep as a custom field" (the mapping's None).
CUSTOM = "__custom__"


def target_choices() -> list[tuple[str, str]]:
    """(value, label) for every target a column may fill, in form order."""
    choices = [
        (CUSTOM, tr("ImportMapping", "Keep as a custom field")),
        (IGNORE, tr("ImportMapping", "Leave out")),
        (FULL_NAME, tr("ImportMapping", "Full name (first and last)")),
    ]
    for f in ALL_FIELDS:
        label = tr("Field", f.label)
        if f.history:
            label = tr("ImportMapping", "History: %1").replace("%1", label)
        choices.append((f.name, label))
    return choices


class MappingTable(QTableWidget):
    """Row 0 holds one combo per column (its target); the rows below preview the file's first rows."""

    mapping_changed = Signal(object)  # ColumnMapping

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importMapping")
        self._mapping: ColumnMapping | None = None
        self._combos: list[QComboBox] = []
        self._updating = False
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setDefaultSectionSize(170)

    @property
    def mapping(self) -> ColumnMapping | None:
        return self._mapping

    def combo(self, header: str) -> QComboBox:
        assert self._mapping is not None
        return self._combos[self._mapping.headers.index(header)]

    def show_table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[object]],
        mapping: ColumnMapping,
        numbers: Sequence[int] | None = None,
    ) -> None:
        """`numbers`: each row's number as the user sees it in the file (as the problems list gives it),
        else they are counted from 1."""
        self.clear()
        self.setColumnCount(len(headers))
        self.setRowCount(len(rows) + 1)
        self.setHorizontalHeaderLabels(list(headers))
        numbered = numbers if numbers is not None else range(1, len(rows) + 1)
        self.setVerticalHeaderLabels([tr("ImportMapping", "Field")] + [str(n) for n in numbered])
        self._combos = []
        choices = target_choices()
        for column, header in enumerate(headers):
            combo = QComboBox(self)
            combo.setObjectName(f"target:{header}")
            for value, label in choices:
                combo.addItem(label, value)
            combo.currentIndexChanged.connect(lambda _i, h=header: self._chosen(h))
            self.setCellWidget(0, column, combo)
            self._combos.append(combo)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row[: len(headers)]):
                self.setItem(r, c, QTableWidgetItem(cell_text(value) if value != "" else ""))  # type: ignore[arg-type]
        self.set_mapping(mapping)

    def set_mapping(self, mapping: ColumnMapping) -> None:
        self._mapping = mapping
        self._updating = True
        try:
            for combo, (_header, target) in zip(self._combos, mapping.assignments, strict=True):
                index = combo.findData(target if target is not None else CUSTOM)
                combo.setCurrentIndex(max(index, 0))
        finally:
            self._updating = False
        self.mapping_changed.emit(mapping)

    def _chosen(self, header: str) -> None:
        if self._updating or self._mapping is None:
            return
        value = self.combo(header).currentData()
        target = None if value == CUSTOM else str(value)
        # A field filled by another column moves here; that column becomes a custom field.
        self.set_mapping(self._mapping.with_target(header, target))
