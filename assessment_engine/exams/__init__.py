"""Pure exam rules: timing, accommodations, pauses, selection/shuffle, admission, release, regrade.

Plain functions over pydantic models, no I/O and no clock: every function that depends on the
time takes ``now`` (an aware UTC ``datetime``) as an argument. The API (``assessment_engine.api``)
loads state through ``assessment_engine.storage.exams``/``attempts``, calls one function here and
stores or maps the result.
"""
