"""A minimal Server-Sent Events reader over an httpx streaming response (test helper)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class Sse:
    event: str = "message"
    id: str | None = None
    data: str = ""
    comments: list[str] = field(default_factory=list)

    def json(self):
        return json.loads(self.data)


async def sse_events(lines):
    """Yield each event of a line iterator (``response.aiter_lines()``, made once per response);
    comment-only blocks come as ``event='comment'``."""
    current = Sse()
    seen_field = False
    async for line in lines:
        if line == "":
            if seen_field:
                yield current
            current, seen_field = Sse(), False
            continue
        seen_field = True
        if line.startswith(":"):
            current.event = "comment" if current.event == "message" else current.event
            current.comments.append(line[1:].strip())
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            current.event = value
        elif name == "id":
            current.id = value
        elif name == "data":
            current.data = f"{current.data}\n{value}" if current.data else value
    if seen_field:
        yield current
