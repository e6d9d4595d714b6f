"""Source of the probe functions the local Lambda service runs in these tests (copied to tmp)."""

PROBE = """
import json, os, time

COUNTER = {"invocations": 0}

def handler(event, context):
    COUNTER["invocations"] += 1
    op = event.get("op")
    print("probe op", op)
    if op == "sleep":
        time.sleep(event["seconds"])
    elif op == "fail":
        raise ValueError("probe failure")
    elif op == "exit":
        os._exit(3)
    elif op == "touch":
        with open(event["path"], "a") as f:
            f.write("x")
    elif op == "env":
        return {"environ": dict(os.environ), "cwd": os.getcwd()}
    return {
        "pid": os.getpid(),
        "invocations": COUNTER["invocations"],
        "remaining_ms": context.get_remaining_time_in_millis(),
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "version": context.function_version,
        "request_id": context.aws_request_id,
        "client_context": getattr(context.client_context, "custom", None),
        "init_type": os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE"),
        "event": event,
    }
"""

BROKEN = """
import not_a_real_module_xyz

def handler(event, context):
    return {}
"""
