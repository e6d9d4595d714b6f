"""Platform services that run as ordinary pods: identity, notifications, analytics."""
