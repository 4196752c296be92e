"""Definitions: validating, saving, reading and dry-running bundles."""
