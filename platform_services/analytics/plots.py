"""PNG plots of an item-analysis report (matplotlib, Agg backend); called by the routes.

* score histogram: students' totals as a percentage of the maximum;
* facility vs discrimination: one point per item, with the flag thresholds drawn.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from platform_services.analytics.models import ItemAnalysisReport


def _png(figure: Figure) -> bytes:
    """Render with the Agg canvas; ``Figure`` objects are not shared, so requests may overlap."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def score_histogram(report: ItemAnalysisReport) -> bytes:
    figure = Figure(figsize=(6, 4))
    axes = figure.subplots()
    max_total = report.test.max_total or 1.0
    percents = [100.0 * total / max_total for total in report.totals]
    axes.hist(percents, bins=[i * 10 for i in range(11)], color="#4c72b0", edgecolor="white")
    if report.test.mean_percent is not None:
        axes.axvline(report.test.mean_percent, color="black", linestyle="--", label="mean")
        axes.legend()
    axes.set_xlim(0, 100)
    axes.set_xlabel("total score (% of maximum)")
    axes.set_ylabel("students (first attempts)")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(f"{report.exam_id}: score distribution (n={report.test.students})")
    return _png(figure)


def facility_discrimination(report: ItemAnalysisReport) -> bytes:
    figure = Figure(figsize=(6, 4.5))
    axes = figure.subplots()
    points = [
        (item.facility, item.discrimination_index, item.position)
        for item in report.items
        if item.facility is not None and item.discrimination_index is not None
    ]
    colours = [
        "#c44e52" if item.flags else "#4c72b0"
        for item in report.items
        if item.facility is not None and item.discrimination_index is not None
    ]
    axes.scatter([p[0] for p in points], [p[1] for p in points], c=colours)
    for facility, discrimination, position in points:
        axes.annotate(
            str(position),
            (facility, discrimination),
            textcoords="offset points",
            xytext=(4, 4),
            fontsize=8,
        )
    limits = report.thresholds
    axes.axvline(limits.too_hard_facility_below, color="grey", linestyle=":")
    axes.axvline(limits.too_easy_facility_above, color="grey", linestyle=":")
    axes.axhline(limits.discrimination_below, color="grey", linestyle=":")
    axes.set_xlim(0, 100)
    axes.set_ylim(-100, 100)
    axes.set_xlabel("facility index (%)")
    axes.set_ylabel("discrimination index (%)")
    axes.set_title(f"{report.exam_id}: items (red = flagged)")
    return _png(figure)
