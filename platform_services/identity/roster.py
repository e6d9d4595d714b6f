"""Parse a roster CSV (pure): one student per row, ``username`` column required.

Called by ``identity.service.import_roster``. Optional columns: ``display_name``, ``email``.
Returns valid rows and per-line problems (line numbers as a spreadsheet shows them), so one bad
row does not reject the whole class.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from platform_services.identity.errors import InvalidInputError
from platform_services.identity.models import check_username


@dataclass(frozen=True)
class RosterRow:
    line: int
    username: str
    display_name: str
    email: str


@dataclass(frozen=True)
class RosterProblem:
    line: int
    username: str
    message: str


def parse_roster(text: str, max_rows: int) -> tuple[list[RosterRow], list[RosterProblem]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = [name.strip().lower() for name in reader.fieldnames or []]
    if "username" not in fields:
        raise InvalidInputError("the roster CSV needs a header row with a `username` column")
    reader.fieldnames = fields
    rows: list[RosterRow] = []
    problems: list[RosterProblem] = []
    seen: set[str] = set()
    for index, record in enumerate(reader):
        line = index + 2
        if index >= max_rows:
            raise InvalidInputError(f"the roster has more than {max_rows} rows")
        raw = (record.get("username") or "").strip()
        try:
            username = check_username(raw)
        except ValueError as exc:
            problems.append(RosterProblem(line, raw, str(exc)))
            continue
        if username in seen:
            problems.append(RosterProblem(line, raw, "duplicate username in this roster"))
            continue
        seen.add(username)
        rows.append(
            RosterRow(
                line,
                username,
                (record.get("display_name") or "").strip()[:200],
                (record.get("email") or "").strip()[:320],
            )
        )
    return rows, problems
