"""Is a point inside a QTI shape? ``inside(shape, coords, point)`` for rect, circle, poly,
ellipse and default, with HTML image-map coordinates (``coords`` as QTI writes them).

Used by the ``inside`` operator and ``mapResponsePoint``. Rect is ``left, top, right, bottom``;
circle ``x, y, r``; ellipse ``x, y, h-radius, v-radius``; poly ``x1, y1, ..., xn, yn`` (closed
implicitly; even-odd rule); default is the whole image. Boundaries count as inside. A circle
given with a percentage radius or coordinates of the wrong count is ``QtiInvalidItemError``.
"""

from __future__ import annotations

from assessment_engine.grading.qti.errors import QtiInvalidItemError, QtiRuntimeError
from assessment_engine.grading.qti.values import Point

SHAPES = frozenset({"rect", "circle", "poly", "ellipse", "default"})


def check(shape: str, coords: tuple[float, ...]) -> None:
    """Raise ``QtiInvalidItemError`` unless ``coords`` fit ``shape``."""
    counts = {"rect": 4, "circle": 3, "ellipse": 4}
    if shape not in SHAPES:
        raise QtiInvalidItemError(f"unknown shape {shape!r}")
    if shape in counts and len(coords) != counts[shape]:
        raise QtiInvalidItemError(f"{shape} needs {counts[shape]} coordinates")
    if shape == "poly" and (len(coords) < 6 or len(coords) % 2):
        raise QtiInvalidItemError("poly needs at least three x, y pairs")


def inside(shape: str, coords: tuple[float, ...], point: object) -> bool:
    """``point`` must be a :class:`Point` (a container of strings is ``QtiRuntimeError``)."""
    if not isinstance(point, Point):
        raise QtiRuntimeError("a shape test needs point values")
    x, y = point
    if shape == "default":
        return True
    if shape == "rect":
        left, top, right, bottom = coords
        return min(left, right) <= x <= max(left, right) and min(top, bottom) <= y <= max(
            top, bottom
        )
    if shape == "circle":
        cx, cy, r = coords
        return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
    if shape == "ellipse":
        cx, cy, hr, vr = coords
        if hr <= 0 or vr <= 0:
            return False
        return ((x - cx) / hr) ** 2 + ((y - cy) / vr) ** 2 <= 1.0
    return _in_polygon(coords, x, y)


def _on_segment(x: float, y: float, x1: float, y1: float, x2: float, y2: float) -> bool:
    cross = (x - x1) * (y2 - y1) - (y - y1) * (x2 - x1)
    return cross == 0 and min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2)


def _in_polygon(coords: tuple[float, ...], x: float, y: float) -> bool:
    points = list(zip(coords[0::2], coords[1::2], strict=True))
    if points[0] == points[-1]:
        points.pop()
    result = False
    for i, (x1, y1) in enumerate(points):
        x2, y2 = points[(i + 1) % len(points)]
        if _on_segment(x, y, x1, y1, x2, y2):
            return True
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            result = not result
    return result
