"""The API as the benchmark serves it: ``create_app`` with a blocking Redis connection pool.

The stock ``create_app`` builds redis-py's default asyncio pool (100 connections, fails at once
when exhausted), which answers 503 to a large share of a 1,000/s surge; this factory injects
``storage.client.create_redis`` instead. uvicorn: ``benchmarks.ingest.app:create --factory``.
"""

from __future__ import annotations

from fastapi import FastAPI

from assessment_engine.api.app import create_app
from assessment_engine.api.settings import ApiSettings
from assessment_engine.storage.client import create_redis


def create() -> FastAPI:
    settings = ApiSettings()
    return create_app(settings, redis=create_redis(settings.redis_url, max_connections=512))
