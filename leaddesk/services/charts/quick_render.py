"""Rendering the dashboard's figures quickly (Agg), on any thread.

Most of the time of drawing a chart goes into its texts: each is measured (for its placement) and laid out
glyph by glyph again to be drawn, by every new renderer anew. The dashboard redraws the same texts over and
over (titles, campaign names, stage names, tick labels), so the renderer here keeps the results, for all
figures and threads: the measures and the glyph layouts by text and font, the glyphs' bitmaps by glyph and
position within a pixel (a glyph missing from the cache is rendered with the thread's own font objects,
as matplotlib's fonts belong to the thread that uses them), and each font's ascent and descent (which
`Text` otherwise reads from the font file's tables for every text). The pixels come out the same as with
matplotlib's own Agg renderer.
"""

from __future__ import annotations

import gc
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from matplotlib import ft2font
from matplotlib.backends import backend_agg
from matplotlib.figure import Figure

_agg: Any = backend_agg  # matplotlib's Agg backend has no type hints
get_hinting_flag: Any = _agg.get_hinting_flag
RenderMode: Any = getattr(ft2font, "RenderMode", None)

#: Entries kept at most in each cache (cleared when full: the dashboard's texts fit many times over).
CACHE_LIMIT = 20_000

#: Glyph bitmaps kept at most (a few hundred bytes each).
GLYPH_LIMIT = 20_000

_metrics: dict[tuple[Any, ...], tuple[float, float, float]] = {}
_layouts: dict[tuple[Any, ...], tuple[tuple[str, int, float, float], ...]] = {}
#: Ascent, descent and line gap by font and dpi.
_heights: dict[tuple[Any, ...], tuple[float | None, float | None, float | None]] = {}
#: Glyph bitmaps by font file, size, dpi, glyph, hinting, antialiasing, angle and position within a pixel:
#: (8-bit coverage, left, top at a position of whole pixels 0, 0).
_glyphs: dict[tuple[Any, ...], tuple[Any, int, int]] = {}


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
    def _get_font_height_metrics(self, prop: Any) -> tuple[float | None, float | None, float | None]:
        """The font's ascent, descent and line gap in pixels, which `Text` reads from the font's tables for
        every text it lays out (it asks its renderer first: this hook)."""
        key = (_font_key(prop), self.dpi)
        found = _heights.get(key)
        if found is None:
            found = _font_height_metrics(prop, self.dpi)
            if len(_heights) >= CACHE_LIMIT:
                _heights.clear()
            _heights[key] = found
        return found

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
        if RenderMode is None or not hasattr(font, "_render_glyph"):  # no glyph API: matplotlib's own way
            self._draw_text_glyphs_and_boxes(
                gc,
                x,
                y,
                angle,
                ((fonts[fname], size, index, 0, 1, gx, gy) for fname, index, gx, gy in glyphs),
                [],
            )
            return
        self._draw_glyphs(gc, x, y, angle, fonts, size, flags, glyphs)

    def _draw_glyphs(
        self,
        gc: Any,
        x: float,
        y: float,
        angle: float,
        fonts: dict[str, Any],
        size: float,
        flags: Any,
        glyphs: tuple[tuple[str, int, float, float], ...],
    ) -> None:
        """`RendererAgg._draw_text_glyphs_and_boxes` for plain text, with each glyph's bitmap kept.

        FreeType places a glyph at a position in 1/64 pixel: moved by whole pixels, the bitmap is the same
        and only its corner moves. So a bitmap is rendered once per glyph, size, angle and position within
        a pixel, and drawn from the cache wherever it falls again (each text's letters, every figure)."""
        cos = math.cos(math.radians(angle))
        sin = math.sin(math.radians(angle))
        antialiased = bool(gc.get_antialiased())
        height = self.height
        dpi = self.dpi
        draw_image = self._renderer.draw_text_image
        matrix: Any = None
        for fname, index, dx, dy in glyphs:  # dy is upwards
            # The same 26.6 position as matplotlib's (FreeType's y is upwards).
            px = round(0x40 * (x + dx * cos - dy * sin))
            py = round(0x40 * (height - y + dx * sin + dy * cos))
            key = (fname, size, dpi, index, flags, antialiased, angle, px & 63, py & 63)
            found = _glyphs.get(key)
            if found is None:
                if matrix is None:
                    matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
                font = fonts[fname]
                font.set_size(size, dpi)
                font._set_transform(matrix, [px & 63, py & 63])
                bitmap = font._render_glyph(
                    index, flags, RenderMode.NORMAL if antialiased else RenderMode.MONO
                )
                buffer = bitmap.buffer
                if not antialiased:
                    buffer *= 0xFF
                found = (buffer, int(bitmap.left), int(bitmap.top))
                if len(_glyphs) >= GLYPH_LIMIT:
                    _glyphs.clear()
                _glyphs[key] = found
            buffer, left, top = found
            # draw_text_image's y is downwards and the bitmap's bottom side.
            draw_image(buffer, left + (px >> 6), int(height) - (top + (py >> 6)) + buffer.shape[0], 0, gc)


def _font_height_metrics(prop: Any, dpi: float) -> tuple[float | None, float | None, float | None]:
    """What `matplotlib.text.Text._get_layout` computes itself without the hook (same steps, same
    arithmetic); (None, None, None) lets it measure "lp" instead, as it does without the tables."""
    from matplotlib.font_manager import fontManager, get_font

    font: Any = get_font(fontManager._find_fonts_by_props(prop))
    for table_name, linegap_key, ascent_key, descent_key in (
        ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
        ("hhea", "lineGap", "ascent", "descent"),
    ):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        fontsize = prop.get_size_in_points()
        units_per_em = font.get_sfnt_table("head")["unitsPerEm"]
        scale = 1 / units_per_em * fontsize * dpi / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[linegap_key] * scale
    return None, None, None


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
