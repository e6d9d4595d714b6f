"""The web service's app factory: the built pages as static files, ``/config.json``, ops routes.

Run by ``assessment-engine web``; tests build it with ``create_app(settings)``. The student page
is ``/`` (``index.html``), the proctor console ``/proctor/``. Every response carries a strict
Content-Security-Policy: scripts and styles only from this origin, connections only to the four
configured services. Missing build output makes ``/readyz`` fail with the command that builds it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry

from platform_services.common.http import ops_router
from platform_services.web.metrics import WebMetrics, page_of
from platform_services.web.settings import WebSettings, get_settings

BUILD_HINT = "build the pages: (cd platform_services/web/frontend && npm ci && npm run build)"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(settings: WebSettings) -> str:
    """Scripts/styles from self only; fetch/SSE only to the configured services."""
    services = sorted(
        {
            _origin(u)
            for u in (
                settings.api_url,
                settings.identity_url,
                settings.notifications_url,
                settings.analytics_url,
            )
        }
    )
    return "; ".join(
        [
            "default-src 'self'",
            f"connect-src 'self' {' '.join(services)}",
            "img-src 'self' blob: data:",
            "style-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    registry = CollectorRegistry()
    metrics = WebMetrics.create(registry)
    csp = content_security_policy(settings)
    app = FastAPI(title="web", docs_url=None, redoc_url=None, openapi_url=None)

    async def ready() -> None:
        if not (settings.static_dir / "index.html").is_file():
            raise RuntimeError(f"no built pages in {settings.static_dir}; {BUILD_HINT}")

    app.include_router(ops_router(registry, ready))

    @app.get("/config.json")
    async def config() -> JSONResponse:
        return JSONResponse(settings.page_config(), headers={"Cache-Control": "no-store"})

    @app.middleware("http")
    async def headers_and_metrics(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        page = page_of(request.url.path)
        if request.url.path not in ("/metrics", "/healthz", "/readyz"):
            metrics.requests.labels(page, str(response.status_code)).inc()
            metrics.duration.labels(page).observe(time.perf_counter() - started)
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if page in ("student", "proctor"):
            response.headers["Cache-Control"] = "no-cache"
        return response

    # check_dir=False: the app starts without a build (readyz says what to run).
    app.mount("/", StaticFiles(directory=settings.static_dir, html=True, check_dir=False))
    return app
