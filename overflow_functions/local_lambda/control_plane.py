"""Control-plane routes the operator and tests use, at the REST paths boto3 sends.

Registered by ``server.build_app``: function concurrency (Put/Get/Delete), provisioned
concurrency (Put/Get/Delete/List), account settings, GetFunction / GetFunctionConfiguration /
ListFunctions / CreateFunction / DeleteFunction. ``CreateFunction`` takes ``Code.ZipFile`` (unpacked
into the service's work directory) or a local directory as ``Code.S3Bucket="hot-reload"`` with
``S3Key=<absolute path>`` (LocalStack's convention for local code).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import json
import logging
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from overflow_functions.local_lambda.config import (
    LATEST,
    MAX_REQUEST_BYTES,
    FunctionConfig,
    reserved_keys_error,
)
from overflow_functions.local_lambda.errors import (
    InvalidParameterValueError,
    InvalidRequestContentError,
    LocalLambdaError,
    RequestTooLargeError,
    ResourceNotFoundError,
)
from overflow_functions.local_lambda.pool import FunctionPool, ProvisionedConfig, Registry
from overflow_functions.local_lambda.wire import (
    CodeIdentity,
    error_response,
    function_configuration,
    json_ok,
    request_id_headers,
    split_function_name,
)

log = logging.getLogger(__name__)

LOCAL_CODE_BUCKETS = ("hot-reload", "__local__")
Handler = Any


def _edge(method: Any) -> Any:
    """Translate typed errors to AWS error responses (the only place this happens)."""

    async def wrapper(self: ControlPlane, request: web.Request) -> web.Response:
        try:
            response: web.Response = await method(self, request)
        except LocalLambdaError as exc:
            return error_response(exc)
        except web.HTTPRequestEntityTooLarge:  # above the HTTP server's read bound
            operation = "".join(part.title() for part in method.__name__.split("_"))
            return error_response(
                RequestTooLargeError(
                    f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for "
                    f"the {operation} operation"
                )
            )
        except (asyncio.CancelledError, web.HTTPException):
            raise
        except Exception:  # the service itself failed: Lambda's ServiceException, typed JSON
            log.exception("control-plane request failed inside the local Lambda service")
            return error_response(LocalLambdaError("The service failed to handle the request."))
        return response

    return wrapper


async def _json_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise InvalidRequestContentError("Could not parse request body into json") from exc
    if not isinstance(body, dict):
        raise InvalidRequestContentError("Request body must be a JSON object")
    return body


class ControlPlane:
    def __init__(self, registry: Registry, workdir: Path | None = None) -> None:
        self.registry = registry
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="local-lambda-"))

    def routes(self) -> list[web.RouteDef]:
        fn = "/{name}"
        routes: list[web.RouteDef] = []
        for suffix in ("", "/"):
            routes += [
                web.get(f"/2016-08-19/account-settings{suffix}", self.account_settings),
                web.get(f"/2015-03-31/functions{suffix}", self.list_functions),
                web.post(f"/2015-03-31/functions{suffix}", self.create_function),
            ]
        routes += [
            web.get(f"/2015-03-31/functions{fn}", self.get_function),
            web.delete(f"/2015-03-31/functions{fn}", self.delete_function),
            web.get(f"/2015-03-31/functions{fn}/configuration", self.get_configuration),
            web.put(f"/2017-10-31/functions{fn}/concurrency", self.put_concurrency),
            web.get(f"/2019-09-30/functions{fn}/concurrency", self.get_concurrency),
            web.delete(f"/2017-10-31/functions{fn}/concurrency", self.delete_concurrency),
            web.put(f"/2019-09-30/functions{fn}/provisioned-concurrency", self.put_provisioned),
            web.get(f"/2019-09-30/functions{fn}/provisioned-concurrency", self.get_provisioned),
            web.delete(
                f"/2019-09-30/functions{fn}/provisioned-concurrency", self.delete_provisioned
            ),
        ]
        return routes

    def _pool(self, request: web.Request) -> tuple[FunctionPool, str | None]:
        name, qualifier = split_function_name(
            request.match_info["name"], request.query.get("Qualifier")
        )
        return self.registry.get(name), qualifier

    # ------------------------------------------------------------ functions
    def _function_doc(self, pool: FunctionPool, qualifier: str | None) -> dict[str, Any]:
        version = pool.function.resolve(qualifier)
        if version is None:
            raise ResourceNotFoundError(
                f"Function not found: {self.registry.arn(pool.function.name, qualifier)}"
            )
        arn = self.registry.arn(pool.function.name, None if version == LATEST else qualifier)
        return function_configuration(pool.function, arn, version, pool.code)

    @_edge
    async def get_function(self, request: web.Request) -> web.Response:
        pool, qualifier = self._pool(request)
        doc: dict[str, Any] = {
            "Configuration": self._function_doc(pool, qualifier),
            "Code": {"RepositoryType": "Local", "Location": pool.function.code_dir.as_uri()},
        }
        if pool.function.reserved_concurrency is not None:
            doc["Concurrency"] = {
                "ReservedConcurrentExecutions": pool.function.reserved_concurrency
            }
        return json_ok(doc)

    @_edge
    async def get_configuration(self, request: web.Request) -> web.Response:
        pool, qualifier = self._pool(request)
        return json_ok(self._function_doc(pool, qualifier))

    @_edge
    async def list_functions(self, request: web.Request) -> web.Response:
        functions = [self._function_doc(p, None) for p in self.registry.pools.values()]
        return json_ok({"Functions": functions})

    @_edge
    async def delete_function(self, request: web.Request) -> web.Response:
        pool, _ = self._pool(request)
        await pool.close()
        del self.registry.pools[pool.function.name]
        return web.Response(status=204, headers=request_id_headers())

    @_edge
    async def create_function(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        name = str(body.get("FunctionName", ""))
        environment = dict((body.get("Environment") or {}).get("Variables") or {})
        reserved = reserved_keys_error(environment)
        if reserved is not None:
            raise InvalidParameterValueError(reserved)
        code_dir, code = self._code_dir(name, body.get("Code") or {})
        try:
            function = FunctionConfig(
                name=name,
                handler=str(body.get("Handler", "")),
                code_dir=code_dir,
                runtime=str(body.get("Runtime", "python3.12")),
                timeout=float(body.get("Timeout", 3)),
                memory_size=int(body.get("MemorySize", 128)),
                environment=environment,
                description=str(body.get("Description", "")),
            )
        except (ValidationError, ValueError) as exc:
            raise InvalidParameterValueError(str(exc).splitlines()[0]) from exc
        pool = self.registry.add(function, code)
        return json_ok(self._function_doc(pool, None), status=201)

    def _code_dir(self, name: str, code: dict[str, Any]) -> tuple[Path, CodeIdentity | None]:
        if code.get("S3Bucket") in LOCAL_CODE_BUCKETS:
            path = Path(str(code.get("S3Key", "")))
            if not path.is_absolute() or not path.is_dir():
                raise InvalidParameterValueError(f"Local code directory not found: {path}")
            return path, CodeIdentity.of_directory(path)
        if "ZipFile" in code:
            try:
                data = base64.b64decode(code["ZipFile"], validate=True)
                target = self.workdir / name
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    _safe_extract(archive, target)
            except (binascii.Error, zipfile.BadZipFile) as exc:
                raise InvalidParameterValueError("Could not unzip uploaded file.") from exc
            return target, CodeIdentity.of_zip(data)
        raise InvalidParameterValueError(
            "Code must be a ZipFile or a local directory (S3Bucket='hot-reload', S3Key=<dir>)."
        )

    # ---------------------------------------------------------- concurrency
    @_edge
    async def put_concurrency(self, request: web.Request) -> web.Response:
        pool, _ = self._pool(request)
        body = await _json_body(request)
        value = body.get("ReservedConcurrentExecutions")
        if not isinstance(value, int) or value < 0:
            raise InvalidParameterValueError("ReservedConcurrentExecutions must be an integer >= 0")
        self.registry.set_reserved(pool.function.name, value)
        return json_ok({"ReservedConcurrentExecutions": value})

    @_edge
    async def get_concurrency(self, request: web.Request) -> web.Response:
        pool, _ = self._pool(request)
        value = pool.function.reserved_concurrency
        return json_ok({} if value is None else {"ReservedConcurrentExecutions": value})

    @_edge
    async def delete_concurrency(self, request: web.Request) -> web.Response:
        pool, _ = self._pool(request)
        self.registry.set_reserved(pool.function.name, None)
        return web.Response(status=204, headers=request_id_headers())

    def _provisioned_doc(self, pool: FunctionPool, config: ProvisionedConfig) -> dict[str, Any]:
        allocated = pool.allocated(config)
        doc: dict[str, Any] = {
            "RequestedProvisionedConcurrentExecutions": config.requested,
            "AvailableProvisionedConcurrentExecutions": allocated,
            "AllocatedProvisionedConcurrentExecutions": allocated,
            "Status": config.status,
            "LastModified": config.last_modified,
        }
        if config.status_reason:
            doc["StatusReason"] = config.status_reason
        return doc

    @_edge
    async def put_provisioned(self, request: web.Request) -> web.Response:
        pool, qualifier = self._pool(request)
        body = await _json_body(request)
        count = body.get("ProvisionedConcurrentExecutions")
        if not isinstance(count, int) or count < 1:
            raise InvalidParameterValueError("ProvisionedConcurrentExecutions must be >= 1")
        config = pool.put_provisioned(qualifier or "", count)
        return json_ok(self._provisioned_doc(pool, config), status=202)

    @_edge
    async def get_provisioned(self, request: web.Request) -> web.Response:
        pool, qualifier = self._pool(request)
        if request.query.get("List") == "ALL":
            configs = [
                {
                    "FunctionArn": self.registry.arn(pool.function.name, c.qualifier),
                    **self._provisioned_doc(pool, c),
                }
                for c in pool.provisioned.values()
            ]
            return json_ok({"ProvisionedConcurrencyConfigs": configs})
        config = pool.get_provisioned(qualifier or "")
        return json_ok(self._provisioned_doc(pool, config))

    @_edge
    async def delete_provisioned(self, request: web.Request) -> web.Response:
        pool, qualifier = self._pool(request)
        await pool.delete_provisioned(qualifier or "")
        return web.Response(status=204, headers=request_id_headers())

    @_edge
    async def account_settings(self, request: web.Request) -> web.Response:
        settings = self.registry.settings
        return json_ok(
            {
                "AccountLimit": {
                    "TotalCodeSize": 80_530_636_800,
                    "CodeSizeUnzipped": 262_144_000,
                    "CodeSizeZipped": 52_428_800,
                    "ConcurrentExecutions": settings.account_concurrency,
                    "UnreservedConcurrentExecutions": self.registry.unreserved_limit(),
                },
                "AccountUsage": {
                    "TotalCodeSize": sum(p.code.size for p in self.registry.pools.values()),
                    "FunctionCount": len(self.registry.pools),
                },
            }
        )


def _safe_extract(archive: zipfile.ZipFile, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    root = target.resolve()
    for member in archive.infolist():
        destination = (root / member.filename).resolve()
        if not destination.is_relative_to(root):
            raise InvalidParameterValueError(f"Unsafe path in zip: {member.filename}")
    archive.extractall(root)
