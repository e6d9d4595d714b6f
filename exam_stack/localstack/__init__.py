"""Launchers for the real local components (redis-server, prometheus) on free ports.

Used by the pytest fixtures in ``tests/conftest.py`` and by the local surge run, so that tests
and the main job start these processes the same way.
"""
