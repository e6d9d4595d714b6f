# One image for every Python component (API, workers, dispatcher, operator, platform services).
FROM python:3.12-slim
RUN useradd --uid 10001 --create-home app
WORKDIR /app
COPY pyproject.toml README.md ./
COPY assessment_engine ./assessment_engine
COPY overflow_functions ./overflow_functions
COPY autoscaler_operator ./autoscaler_operator
COPY platform_services ./platform_services
COPY exam_stack ./exam_stack
RUN pip install --no-cache-dir . && python -m compileall -q /app
USER 10001
ENTRYPOINT []
CMD ["assessment-engine", "--help"]
