"""Pieces the platform services share: error bodies, ops endpoints, the domain-event reader."""
