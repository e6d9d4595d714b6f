"""Redis storage adapters of the assessment service (submissions, results, grading queue, events).

Who calls what (keys and lifetimes: ``docs/data-model.md``; events: ``docs/events.md``):

- API: ``submissions.accept_submission(redis, NewSubmission) -> Receipt`` (one atomic step,
  idempotent per student + idempotency key), ``get_submission``, ``enqueue_grading`` (regrade),
  ``count_submissions``, ``exam_counts``; ``questions.save_questions`` / ``load_questions``;
  ``results.get_result`` / ``list_results``; ``deadletters.list_dead_letters`` /
  ``retry_dead_letter``; ``events.publish_event`` for attempt.*/exam.*/results.* events.
- Workers and the overflow dispatcher: ``queue.GradingQueue`` (``claim``, ``load_work``,
  ``complete``, ``release``, ``fail``, ``extend``, ``stats``).
- Platform services: ``events.EventReader`` / ``read_events``.
- Every deployable: ``client.create_redis(url)`` (a pool that waits instead of failing in a surge).

Exam and attempt storage (``exams.py``, ``attempts.py``) belong to the API and live here too.
Submodules are imported by their users (``from assessment_engine.storage.queue import ...``).
"""
