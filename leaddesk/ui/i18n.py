"""Translation: every user-visible string goes through Qt's translator.

Widgets use `self.tr(...)`; module-level code uses `tr(context, text)` so that `pyside6-lupdate` finds
the strings (it recognises `QCoreApplication.translate` calls).
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from leaddesk.ui.resources import resource_path


def tr(context: str, text: str, disambiguation: str | None = None, n: int = -1) -> str:
    return QCoreApplication.translate(context, text, disambiguation, n)


#: A plural ending in an English source text: "lead(s)", "touch(es)".
_PLURAL_ENDING = re.compile(r"\((e?s)\)")


class EnglishPlurals(QTranslator):
    """The English forms of plural messages ("%Ln lead(s)": "1 lead", "1,500 leads"), for every string
    that no installed translation gives forms for (Qt asks translators installed later first)."""

    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        if n < 0 or "(" not in source:
            return None  # not ours: Qt uses the source text (None is Qt's "no translation")
        return _PLURAL_ENDING.sub(lambda m: "" if n == 1 else m.group(1), source)

    def isEmpty(self) -> bool:
        return False


def install_translators(app: QCoreApplication, locale: QLocale | None = None) -> list[QTranslator]:
    """Load Qt's own and LeadDesk's translations for the locale; missing files mean English (with its
    plural forms, `EnglishPlurals`)."""
    locale = locale or QLocale()
    installed: list[QTranslator] = []
    english = EnglishPlurals(app)
    app.installTranslator(english)
    installed.append(english)
    qt = QTranslator(app)
    if qt.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        installed.append(qt)
    ours = QTranslator(app)
    folder = resource_path("translations")
    if folder is not None and ours.load(locale, "leaddesk", "_", str(Path(folder))):
        app.installTranslator(ours)
        installed.append(ours)
    return installed
