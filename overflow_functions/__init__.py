"""The Lambda grading function (aws-lambda-powertools) and the local Lambda service that speaks
the real Invoke and Runtime APIs on one machine and in tests."""
