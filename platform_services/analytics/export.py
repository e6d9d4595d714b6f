"""CSV export of an item-analysis report (pure); called by the CSV route.

One row per item, then, for choice questions, one row per option (``row_kind`` tells which),
so a spreadsheet can filter either table.
"""

from __future__ import annotations

import csv
import io

from platform_services.analytics.models import ItemAnalysisReport

COLUMNS = [
    "row_kind",
    "position",
    "question_id",
    "type",
    "attempts",
    "max_score",
    "mean_score",
    "facility",
    "sd",
    "discrimination_index",
    "discriminative_efficiency",
    "intended_weight",
    "effective_weight",
    "flags",
    "option",
    "count",
    "percent",
    "upper_percent",
    "lower_percent",
    "mean_score_percent",
    "likely_key",
    "point_biserial",
    "non_functional",
]


def _fmt(value: object) -> object:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "" if value is None else value


def report_csv(report: ItemAnalysisReport) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for item in report.items:
        base = {
            "position": item.position,
            "question_id": item.question_id,
            "type": item.type,
        }
        writer.writerow(
            {
                key: _fmt(value)
                for key, value in {
                    **base,
                    "row_kind": "item",
                    "attempts": item.attempts,
                    "max_score": item.max_score,
                    "mean_score": item.mean_score,
                    "facility": item.facility,
                    "sd": item.sd,
                    "discrimination_index": item.discrimination_index,
                    "discriminative_efficiency": item.discriminative_efficiency,
                    "intended_weight": item.intended_weight,
                    "effective_weight": item.effective_weight,
                    "flags": " ".join(item.flags),
                }.items()
            }
        )
        for option in item.distractors or []:
            writer.writerow(
                {
                    key: _fmt(value)
                    for key, value in {
                        **base,
                        "row_kind": "option",
                        "option": option.option,
                        "count": option.count,
                        "percent": option.percent,
                        "upper_percent": option.upper_percent,
                        "lower_percent": option.lower_percent,
                        "mean_score_percent": option.mean_score_percent,
                        "likely_key": option.likely_key,
                        "point_biserial": option.point_biserial,
                        "non_functional": option.non_functional,
                    }.items()
                }
            )
    return buffer.getvalue()
