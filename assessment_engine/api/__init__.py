"""The assessment HTTP service (FastAPI): proctor, student and operations routes under ``/v1``.

``create_app(settings)`` in ``app.py`` builds the application; ``assessment-engine serve`` runs
it with uvicorn. Layers: ``routes/`` (parse, call one service function, map) → ``services/``
(load, call a pure rule from ``assessment_engine.exams``, store, publish) → storage adapters.
"""
