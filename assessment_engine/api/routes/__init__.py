"""HTTP routes by audience: proctor, student, schedule (operators), ops (probes), dev issuer."""
