"""API fuzzing with schemathesis against the in-process app, as every role."""
