"""The Lambda grading function: grades a batch of spilled submissions with the pure grader.

Entry point ``app.lambda_handler`` (SAM ``Handler: overflow_functions.grading_function.app.
lambda_handler``); invoked by the overflow dispatcher through the Lambda Invoke API.
"""
