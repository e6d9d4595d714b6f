# One image for every Python component (API, workers, dispatcher, operator, platform services).
# Stage 1 builds the web pages (TypeScript -> static files) from the committed lockfile.
FROM node:20-slim AS pages
WORKDIR /web
COPY platform_services/web/frontend/package.json platform_services/web/frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY platform_services/web/frontend ./
RUN npx tsc --noEmit -p tsconfig.json && node build.mjs

FROM python:3.12-slim
RUN useradd --uid 10001 --create-home app
WORKDIR /app
COPY pyproject.toml README.md ./
COPY assessment_engine ./assessment_engine
COPY overflow_functions ./overflow_functions
COPY autoscaler_operator ./autoscaler_operator
COPY platform_services ./platform_services
COPY exam_stack ./exam_stack
COPY --from=pages /static ./platform_services/web/static
RUN pip install --no-cache-dir . && python -m compileall -q /app
USER 10001
ENTRYPOINT []
CMD ["assessment-engine", "--help"]
