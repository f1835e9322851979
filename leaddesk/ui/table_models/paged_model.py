"""The lazy paging every big list shares: the first page off the GUI thread, then its count, more pages as
the view scrolls (Qt's canFetchMore / fetchMore), answers of an older request dropped by generation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Signal

from leaddesk.ui.background import query_pool, run_in_background
from leaddesk.ui.widgets.alive import while_alive

Index = QModelIndex | QPersistentModelIndex


class PagedTableModel(QAbstractTableModel):
    """A subclass says how to read a page (`_page_work`) and how to count (`_count_work`); both return
    the work to run on the query worker, built from the current state on the GUI thread."""

    #: The first page arrived (the rows were reset).
    loaded = Signal()
    #: The total is known (`total`).
    counted = Signal()
    #: A query failed; the argument is the exception.
    failed = Signal(object)

    PAGE_SIZE = 200

    def __init__(self, parent: Any = None, *, page_size: int | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []
        self._generation = 0
        self._fetching = False
        self._live = False
        self._total = 0
        self._total_known = False
        self._page_size = page_size or self.PAGE_SIZE

    # --- what a subclass provides --------------------------------------------------------------------

    def _page_work(self, offset: int, limit: int) -> Callable[[], Any]:
        raise NotImplementedError

    def _count_work(self) -> Callable[[], int]:
        raise NotImplementedError

    def _first_work(self, limit: int) -> Callable[[], Any]:
        """The first page's work; its result goes to `_take_first` (a subclass may fetch more with it)."""
        return self._page_work(0, limit)

    def _take_first(self, result: Any) -> list[Any]:
        """The first page's rows from `_first_work`'s result (called inside the model reset)."""
        rows: list[Any] = result
        return rows

    def _rows_arriving(self, rows: list[Any]) -> None:
        """More rows are about to be appended."""

    # --- state ---------------------------------------------------------------------------------------

    @property
    def live(self) -> bool:
        """False until the first `reload()`: a model nobody looks at yet runs no queries."""
        return self._live

    @property
    def total(self) -> int:
        """Rows matching; until counted, the rows fetched so far."""
        return self._total if self._total_known else len(self._rows)

    @property
    def total_known(self) -> bool:
        return self._total_known

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # --- loading -------------------------------------------------------------------------------------

    def _run(self, work: Callable[[], Any], done: Callable[[Any], None], generation: int) -> None:
        run_in_background(
            work,
            on_done=while_alive(self, done),
            on_error=while_alive(self, lambda exc: self._failed(generation, exc)),
            pool=query_pool(),
        )

    def reload(self) -> None:
        """Ask for the first page, then its total (off the GUI thread).

        The page comes first so the table fills as soon as possible; counting can take longer.
        """
        self._live = True
        self._generation += 1
        generation = self._generation
        self._fetching = True
        self._run(self._first_work(self._page_size), lambda r: self._first_page(generation, r), generation)

    def _first_page(self, generation: int, result: Any) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._rows = self._take_first(result)
        self._total = len(self._rows)
        self._total_known = len(self._rows) < self._page_size
        self._fetching = False
        self.endResetModel()
        self.loaded.emit()
        if self._total_known:
            self.counted.emit()
            return
        self._run(self._count_work(), lambda total: self._counted(generation, total), generation)

    def _counted(self, generation: int, total: int) -> None:
        if generation != self._generation:
            return
        self._total = max(total, len(self._rows))
        self._total_known = True
        self.counted.emit()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._fetching = False
            self.failed.emit(exc)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        if parent.isValid() or self._fetching or not self._live:
            return False
        if self._total_known:
            return len(self._rows) < self._total
        return len(self._rows) > 0 and len(self._rows) % self._page_size == 0

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if not self.canFetchMore(parent):
            return
        generation, offset = self._generation, len(self._rows)
        self._fetching = True
        self._run(
            self._page_work(offset, self._page_size),
            lambda rows: self._more(generation, offset, rows),
            generation,
        )

    def _more(self, generation: int, offset: int, rows: list[Any]) -> None:
        if generation != self._generation or offset != len(self._rows):
            return
        self._fetching = False
        if not rows:
            self._total = len(self._rows)
            self._total_known = True
            self.counted.emit()
            return
        self._rows_arriving(rows)
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)
