"""Redis storage adapters of the exam core: exams, attempts, submissions, results, question
banks, the grading queue, dead letters and domain events.

Who calls what (keys and lifetimes: ``docs/data-model.md``; events: ``docs/events.md``):

- API services: ``exams`` (definitions, the per-process ``ExamCache``, schedule and closing
  indexes, audit trail, regrades); ``attempts`` (attempts, autosaves, the submit claim,
  ``store_submission`` + ``announce_submission`` for the submit's durable step, the auto-submit
  index, admission tokens); ``submissions`` (``accept_submission``, ``get_submission``,
  ``find_receipt``, ``enqueue_grading`` for regrades, counts); ``questions.save_questions`` /
  ``load_questions``; ``results.get_result`` / ``list_results``;
  ``deadletters.list_dead_letters`` / ``retry_dead_letter``; ``events.publish_event``.
- Grader workers and the overflow dispatcher: ``queue.GradingQueue`` (``claim``, ``load_work``,
  ``complete``, ``release``, ``hand_back_read_ahead``, ``fail``, ``extend``, ``stats``).
- Platform services: ``events.EventReader`` / ``read_events``, ``exams`` and ``attempts`` reads.
- Every deployable: ``client.create_redis(url)`` (a pool that waits instead of failing in a surge).

Keys: ``keys`` (the hash-tagged exam prefix and the submission/result/queue keys). Errors:
``errors`` (stored-record errors; the exam rules' errors are ``exams.errors``). Submodules are
imported by their users (``from assessment_engine.storage.queue import ...``).
"""
