"""Probes and metrics: ``/healthz`` (process up), ``/readyz`` (Redis reachable), ``/metrics``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from assessment_engine.api.context import AppContext, get_context
from assessment_engine.api.errors import ApiError, documented
from assessment_engine.api.schemas import Health
from assessment_engine.api.services.health import redis_reachable

router = APIRouter(tags=["ops"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    return Health()


@router.get("/readyz", response_model=Health, responses=documented(503))
async def readyz(ctx: Annotated[AppContext, Depends(get_context)]) -> Health:
    if not await redis_reachable(ctx):
        raise ApiError(503, "not_ready", "Redis is not reachable", headers={"Retry-After": "1"})
    return Health()


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus exposition."}},
)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
