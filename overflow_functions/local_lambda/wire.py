"""AWS wire shapes: errors botocore maps to modeled exceptions, and FunctionConfiguration JSON.

Called by the HTTP handlers in ``invoke_api.py`` and ``control_plane.py``. botocore reads the
error code from ``x-amzn-ErrorType`` and merges modeled members (``Reason``, ``Type``) from the
JSON body into ``e.response``; see ``docs/local-lambda.md``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from overflow_functions.local_lambda.config import FunctionConfig
from overflow_functions.local_lambda.errors import LocalLambdaError, ThrottledError


def request_id_headers() -> dict[str, str]:
    return {"x-amzn-RequestId": str(uuid.uuid4())}


def error_response(error: LocalLambdaError) -> web.Response:
    body: dict[str, Any] = {"Type": "User", error.message_key: error.message}
    headers = {**request_id_headers(), "x-amzn-ErrorType": error.code}
    if isinstance(error, ThrottledError):
        body["Reason"] = error.reason
        headers["Retry-After"] = "1"
    return web.Response(
        status=error.status,
        body=json.dumps(body).encode(),
        content_type="application/json",
        headers=headers,
    )


def json_ok(payload: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(payload).encode(),
        content_type="application/json",
        headers=request_id_headers(),
    )


def split_function_name(raw: str, qualifier: str | None) -> tuple[str, str | None]:
    """Accept ``name``, ``name:qual``, a full ARN or a partial ARN; return (name, qualifier)."""
    text = unquote(raw)
    if text.startswith("arn:"):
        parts = text.split(":")  # arn:aws:lambda:region:account:function:name[:qual]
        name = parts[6] if len(parts) > 6 else ""
        qual = parts[7] if len(parts) > 7 else None
    elif ":function:" in text:
        parts = text.split(":")  # account:function:name[:qual]
        name = parts[2]
        qual = parts[3] if len(parts) > 3 else None
    elif ":" in text:
        name, qual = text.split(":", 1)
    else:
        name, qual = text, None
    return name, qualifier or qual


LAST_MODIFIED_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def last_modified(when: datetime | None = None) -> str:
    """Lambda's ``LastModified`` format, ``2025-01-01T00:00:00.000+0000`` (UTC, milliseconds)."""
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime(LAST_MODIFIED_FORMAT)[:-3] + "+0000"


@dataclass(frozen=True)
class CodeIdentity:
    """``CodeSha256`` / ``CodeSize`` of a package and when the function was last written."""

    sha256: str
    size: int
    last_modified: str

    @classmethod
    def of_zip(cls, data: bytes) -> CodeIdentity:
        """As Lambda: base64 of the SHA-256 of the uploaded zip, and its length."""
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        return cls(digest, len(data), last_modified())

    @classmethod
    def of_directory(cls, root: Path) -> CodeIdentity:
        """A local directory (no zip exists): base64 SHA-256 over its files' paths and bytes,
        sorted, so the same tree always gives the same value; size is the bytes on disk."""
        digest = hashlib.sha256()
        size = 0
        files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for path in files:
            data = path.read_bytes()
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(data).digest())
            size += len(data)
        return cls(base64.b64encode(digest.digest()).decode(), size, last_modified())


def function_configuration(
    fn: FunctionConfig, arn: str, version: str, code: CodeIdentity
) -> dict[str, Any]:
    return {
        "FunctionName": fn.name,
        "FunctionArn": arn,
        "Runtime": fn.runtime,
        "Role": f"arn:aws:iam::{arn.split(':')[4]}:role/local-lambda",
        "Handler": fn.handler,
        "CodeSize": code.size,
        "Description": fn.description,
        "Timeout": int(fn.timeout) if fn.timeout >= 1 else 1,
        "MemorySize": fn.memory_size,
        "LastModified": code.last_modified,
        "CodeSha256": code.sha256,
        "Version": version,
        "Environment": {"Variables": dict(fn.environment)},
        "TracingConfig": {"Mode": "PassThrough"},
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
    }
