"""API services: load state, call one pure rule, store, publish events. Called by routes only."""
