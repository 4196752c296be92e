"""Actions: the worker's claims and attempts, ASYNC callbacks and the webhook secret."""
