"""Adapters between the pure decision engine and the outside world.

Prometheus (metric samples), Redis (decision record), grader replicas (Kubernetes Deployment/HPA
or local worker processes), Lambda concurrency (boto3) and the exam schedule (HTTP). Called by
``autoscaler_operator.reconcile``; each adapter is tested against the real component.
"""
