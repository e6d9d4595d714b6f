"""The Kopf operator: OverflowPolicy model, pure decision engine, Prometheus adapter, actuators
(decision record, grader replicas, Lambda concurrency) and thin Kopf handlers."""
