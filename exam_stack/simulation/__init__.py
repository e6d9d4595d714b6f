"""What-if simulator: replay an exam-day arrival trace against candidate OverflowPolicies.

A time-stepped fluid model of arrivals, in-cluster grader capacity (replicas that take time to
start), Lambda execution environments (cold and warm starts, concurrency limits, throttling)
and the operator's *real* decision engine (`autoscaler_operator.decision`). Used by the
``assessment-engine simulate`` command to compare policies at platform scale in seconds.
"""
