"""Handing action tasks to the broker: the publish right after commit and the message the worker consumes."""
