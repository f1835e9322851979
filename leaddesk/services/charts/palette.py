"""Colours of the charts, for a light and a dark window (and paper, which is light)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Palette:
    background: str
    text: str
    #: Secondary text: subtitles, tick labels, axis titles.
    muted: str
    grid: str
    #: The main bars and lines.
    primary: str
    #: A second series.
    secondary: str
    good: str
    bad: str
    #: Target and reference lines.
    target: str
    #: Zebra stripes of tables (PDF).
    stripe: str
    dark: bool = False


LIGHT = Palette(
    background="#ffffff",
    text="#1f2328",
    muted="#5c6570",
    grid="#e3e6ea",
    primary="#2f6fb0",
    secondary="#e08a1e",
    good="#2e8b57",
    bad="#c0392b",
    target="#1f2328",
    stripe="#f3f5f8",
)

DARK = Palette(
    background="#202124",
    text="#e8eaed",
    muted="#a8adb4",
    grid="#3a3d42",
    primary="#6aa9e9",
    secondary="#f0a647",
    good="#5cc38a",
    bad="#ef6f61",
    target="#f1f3f4",
    stripe="#2a2c30",
    dark=True,
)


def palette_for(dark: bool) -> Palette:
    return DARK if dark else LIGHT
