"""Platform services: unit tests."""
