"""Platform services against a real redis-server."""
