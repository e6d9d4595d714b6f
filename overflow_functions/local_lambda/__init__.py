"""A local stand-in for AWS Lambda that speaks the real Invoke and Runtime APIs.

Started by ``assessment-engine local-lambda`` (``cli.py``) and by integration tests. Unmodified
boto3 and the AWS CLI talk to it with an endpoint URL; each execution environment is a real
``python -m awslambdaric`` process served by its own Runtime API endpoint. See
``docs/local-lambda.md``.
"""
