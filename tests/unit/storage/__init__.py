"""Tests of this component."""
