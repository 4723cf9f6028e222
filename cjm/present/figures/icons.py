"""The touchpoint icons of the maps: one small line drawing per channel kind
(:data:`cjm.core.params.CHANNEL_KINDS`), defined once as strokes in a 24 x 24 box (y down, as
in SVG) and drawn from that one definition as matplotlib paths on the poster
(:func:`icon_patch`) and as inline SVG on the HTML page (:func:`icon_svg`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from matplotlib.transforms import Affine2D, Transform

#: The box the strokes are drawn in, and the width of a stroke, in its units.
BOX, STROKE = 24, 2.0


def _ellipse(cx: float, cy: float, rx: float, ry: float | None = None, points: int = 32) -> list:
    """A closed stroke around an ellipse (a circle without ``ry``)."""
    angles = np.linspace(0, 2 * np.pi, points, endpoint=False)
    ry = rx if ry is None else ry
    return [*((round(cx + rx * np.cos(a), 3), round(cy + ry * np.sin(a), 3)) for a in angles), None]


def _box(x0: float, y0: float, x1: float, y1: float) -> list:
    """A closed rectangular stroke."""
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), None]


#: Kind -> its strokes: each a list of (x, y) points, closed when it ends with None.
ICONS = {
    "web": [_ellipse(12, 12, 9), _ellipse(12, 12, 4, 9), [(3, 12), (21, 12)]],
    "phone": [_box(7, 2, 17, 22), [(10.5, 18.5), (13.5, 18.5)]],
    "messenger": [[(3, 4), (21, 4), (21, 16), (11, 16), (6, 21), (7, 16), (3, 16), None]],
    "office": [_box(4, 3, 20, 21), _box(7, 6, 10, 9), _box(14, 6, 17, 9), _box(7, 11, 10, 14), _box(14, 11, 17, 14),
               [(10, 21), (10, 17), (14, 17), (14, 21)]],
    "email": [_box(2, 5, 22, 19), [(2, 5), (12, 13), (22, 5)]],
    "partner": [_ellipse(8.5, 12, 6), _ellipse(15.5, 12, 6)],
    "other": [_ellipse(12, 12, 9), _ellipse(8, 12, 0.8, points=8), _ellipse(12, 12, 0.8, points=8),
              _ellipse(16, 12, 0.8, points=8)],
}


def icon_path(kind: str) -> Path:
    """The strokes of ``kind``'s icon as one matplotlib path, in the 24 x 24 box (y down)."""
    vertices, codes = [], []
    for stroke in ICONS[kind]:
        points = [p for p in stroke if p is not None]
        vertices += points
        codes += [Path.MOVETO] + [Path.LINETO] * (len(points) - 1)
        if stroke[-1] is None:
            vertices.append(points[0])
            codes.append(Path.CLOSEPOLY)
    return Path(vertices, codes)


def icon_patch(kind: str, x: float, y: float, size: float, transform: Transform, colour: str = "#333",
               linewidth: float = 0.8) -> PathPatch:
    """``kind``'s icon as a patch whose box's top-left corner is at (``x``, ``y``) and whose
    side is ``size``, in the units of ``transform`` (y up, as matplotlib's)."""
    scale = size / BOX
    place = Affine2D().scale(scale, -scale).translate(x, y)
    return PathPatch(icon_path(kind), transform=place + transform, facecolor="none", edgecolor=colour,
                     linewidth=linewidth, capstyle="round", joinstyle="round")


def icon_svg(kind: str, title: str = "") -> str:
    """``kind``'s icon as inline SVG, 1em square, drawn in the text's colour, ``title`` on hover."""
    parts = []
    for stroke in ICONS[kind]:
        points = [p for p in stroke if p is not None]
        d = "M" + " L".join(f"{x:g} {y:g}" for x, y in points) + (" Z" if stroke[-1] is None else "")
        parts.append(f'<path d="{d}"/>')
    label = f"<title>{title}</title>" if title else ""
    return (f'<svg class="icon" viewBox="0 0 {BOX} {BOX}" width="1em" height="1em" fill="none" '
            f'stroke="currentColor" stroke-width="{STROKE:g}" stroke-linecap="round" stroke-linejoin="round" '
            f'role="img" data-kind="{kind}">{label}{"".join(parts)}</svg>')
