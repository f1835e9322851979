"""Callbacks that outlive their widget: a background answer may arrive after the window that asked was
closed. `while_alive(owner, fn)` drops the call when `owner`'s C++ object is gone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject


def while_alive(owner: QObject, fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        if shiboken6.isValid(owner):
            return fn(*args)
        return None

    return call
