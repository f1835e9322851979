"""Rendering the dashboard's figures quickly (Agg), on any thread.

Most of the time of drawing a chart goes into its texts: each is measured (for its placement) and laid out
glyph by glyph again to be drawn, by every new renderer anew. The dashboard redraws the same texts over and
over (titles, campaign names, stage names, tick labels), so the renderer here keeps both results, for all
figures and threads: the measures and the glyph layouts by text and font (the glyphs are then drawn with
the thread's own font objects, as matplotlib's fonts belong to the thread that uses them). The pixels
come out the same as with matplotlib's own Agg renderer.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from matplotlib.backends import backend_agg
from matplotlib.figure import Figure

_agg: Any = backend_agg  # matplotlib's Agg backend has no type hints
get_hinting_flag: Any = _agg.get_hinting_flag

#: Entries kept at most in each cache (cleared when full: the dashboard's texts fit many times over).
CACHE_LIMIT = 20_000

_metrics: dict[tuple[Any, ...], tuple[float, float, float]] = {}
_layouts: dict[tuple[Any, ...], tuple[tuple[str, int, float, float], ...]] = {}


def _font_key(prop: Any) -> tuple[Any, ...]:
    return (
        tuple(prop.get_family()),
        prop.get_style(),
        prop.get_variant(),
        prop.get_weight(),
        prop.get_stretch(),
        prop.get_size_in_points(),
        prop.get_file(),
    )


class QuickRenderer(_agg.RendererAgg):  # type: ignore[misc]
    def get_text_width_height_descent(self, s: str, prop: Any, ismath: Any) -> Any:
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, _font_key(prop), self.dpi, get_hinting_flag())
        found = _metrics.get(key)
        if found is None:
            found = super().get_text_width_height_descent(s, prop, ismath)
            if len(_metrics) >= CACHE_LIMIT:
                _metrics.clear()
            _metrics[key] = found
        return found

    def draw_text(
        self,
        gc: Any,
        x: float,
        y: float,
        s: str,
        prop: Any,
        angle: float,
        ismath: Any = False,
        mtext: Any = None,
    ) -> None:
        if (
            ismath
            or not hasattr(self, "_draw_text_glyphs_and_boxes")
            or (mtext is not None and (mtext.get_fontfeatures() or mtext.get_language()))
        ):
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        font = self._prepare_font(prop)
        if not hasattr(font, "_layout"):  # a matplotlib without the layout API: its own path
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        size = prop.get_size_in_points()
        flags = get_hinting_flag()
        key = (font.fname, s, size, self.dpi, flags)
        glyphs = _layouts.get(key)
        if glyphs is None:
            glyphs = tuple(
                (item.ft_object.fname, item.glyph_index, item.x, item.y)
                for item in font._layout(s, flags=flags, features=None, language=None)
            )
            if len(_layouts) >= CACHE_LIMIT:
                _layouts.clear()
            _layouts[key] = glyphs
        # A glyph from a fallback font is drawn with this thread's font object of that file.
        fonts = {font.fname: font}
        for fname, _index, _x, _y in glyphs:
            if fname not in fonts:
                fonts[fname] = _font_file(fname)
        self._draw_text_glyphs_and_boxes(
            gc,
            x,
            y,
            angle,
            ((fonts[fname], size, index, 0, 1, gx, gy) for fname, index, gx, gy in glyphs),
            [],
        )


def _font_file(fname: str) -> Any:
    from matplotlib.font_manager import get_font

    return get_font([fname])


class QuickCanvas(_agg.FigureCanvasAgg):  # type: ignore[misc]
    """An Agg canvas that renders with `QuickRenderer`."""

    def get_renderer(self) -> Any:
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if getattr(self, "_lastKey", None) != key:
            self.renderer = QuickRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


_gc_lock = threading.Lock()
#: [builds under way, whether the collector was enabled before the first of them]
_gc_state: list[Any] = [0, True]


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while charts are built and rendered (on any thread).

    A chart makes thousands of small objects that all live on, so the collector would run many times over
    them for nothing (a fifth to a third of the building time); it runs as usual again when the last of the
    overlapping builds ends."""
    with _gc_lock:
        if _gc_state[0] == 0:
            _gc_state[1] = gc.isenabled()
            gc.disable()
        _gc_state[0] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_state[0] -= 1
            if _gc_state[0] == 0 and _gc_state[1]:
                gc.enable()


def render(figure: Figure) -> Any:
    """Render `figure` now; returns its canvas (a `QuickCanvas`, which keeps the image: `canvas.renderer`)."""
    canvas: Any = QuickCanvas(figure)
    canvas.draw()
    return canvas
