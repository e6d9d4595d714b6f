"""Reaction benchmark of the operator: threshold crossing at the exporter -> decision published."""
