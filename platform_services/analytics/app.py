"""The analytics service's FastAPI app factory and routes (thin: authorise, call, map).

Run by ``assessment-engine analytics``; tests build it with ``create_app(settings, redis,
verifier)``. The lifespan runs the event consumer (``analytics.consumer``) as a task.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from assessment_engine.storage.events import EventReader
from platform_services.analytics.consumer import consume
from platform_services.analytics.errors import (
    ExamNotFoundError,
    NotAllowedError,
    ReportNotFoundError,
)
from platform_services.analytics.export import report_csv
from platform_services.analytics.metrics import AnalyticsMetrics
from platform_services.analytics.models import ItemAnalysisReport
from platform_services.analytics.plots import facility_discrimination, score_histogram
from platform_services.analytics.reports import AnalyticsService
from platform_services.analytics.settings import AnalyticsSettings, get_settings
from platform_services.common.errors import PlatformError
from platform_services.common.http import (
    ErrorBody,
    install_cors,
    install_error_handlers,
    ops_router,
)
from platform_services.identity.bearer import AUTH_STATUSES, bearer_claims
from platform_services.identity.claims import Claims
from platform_services.identity.verify import JwksKeySource, TokenVerifier

STATUSES: dict[type[PlatformError], int] = {
    **AUTH_STATUSES,
    ReportNotFoundError: 404,
    ExamNotFoundError: 404,
    NotAllowedError: 403,
}
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": ErrorBody} for c in (401, 403, 404)}
Caller = Annotated[Claims, Depends(bearer_claims)]


def _service(request: Request) -> AnalyticsService:
    service: AnalyticsService = request.app.state.service
    return service


Service = Annotated[AnalyticsService, Depends(_service)]


def create_app(
    settings: AnalyticsSettings | None = None,
    redis: Redis | None = None,
    verifier: TokenVerifier | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    owns_redis = redis is None
    client: Redis = redis if redis is not None else Redis.from_url(settings.redis_url)
    registry = CollectorRegistry()
    service = AnalyticsService(client, settings.thresholds, AnalyticsMetrics.create(registry))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = None
        stop = asyncio.Event()
        if settings.consume:
            reader = EventReader(client, settings.consumer_group, settings.consumer_name, "0")
            task = asyncio.create_task(
                consume(
                    reader,
                    service,
                    count=settings.read_count,
                    block_ms=settings.read_block_ms,
                    claim_idle_ms=settings.claim_idle_ms,
                    stop=stop,
                )
            )
        yield
        if task is not None:
            stop.set()
            try:
                await asyncio.wait_for(task, timeout=settings.read_block_ms / 1000 + 5)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if owns_redis:
            await client.aclose()

    app = FastAPI(title="analytics", lifespan=lifespan, responses=ERRORS)
    app.state.service = service
    app.state.verifier = verifier or TokenVerifier(
        JwksKeySource(settings.jwks_url),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    install_error_handlers(app, STATUSES)

    async def ready() -> None:
        await client.ping()

    app.include_router(ops_router(registry, ready))
    _routes(app)
    install_cors(app, settings.cors_origins)
    return app


def _routes(app: FastAPI) -> None:
    prefix = "/v1/exams/{exam_id}/analysis"

    @app.post(prefix)
    async def compute(exam_id: str, caller: Caller, service: Service) -> ItemAnalysisReport:
        await service.authorise(caller, exam_id)
        return await service.compute(exam_id)

    @app.get(prefix)
    async def report(exam_id: str, caller: Caller, service: Service) -> ItemAnalysisReport:
        await service.authorise(caller, exam_id)
        return await service.report(exam_id)

    @app.get(prefix + ".csv")
    async def report_as_csv(exam_id: str, caller: Caller, service: Service) -> Response:
        await service.authorise(caller, exam_id)
        text = report_csv(await service.report(exam_id))
        return Response(
            text,
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="item-analysis-{exam_id}.csv"'},
        )

    @app.get(prefix + "/score-histogram.png")
    async def histogram(exam_id: str, caller: Caller, service: Service) -> Response:
        await service.authorise(caller, exam_id)
        png = await asyncio.to_thread(score_histogram, await service.report(exam_id))
        return Response(png, media_type="image/png")

    @app.get(prefix + "/facility-discrimination.png")
    async def scatter(exam_id: str, caller: Caller, service: Service) -> Response:
        await service.authorise(caller, exam_id)
        png = await asyncio.to_thread(facility_discrimination, await service.report(exam_id))
        return Response(png, media_type="image/png")
