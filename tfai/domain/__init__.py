"""Pure domain: bundle format, validation, expressions, engine, assignment and policy (no I/O)."""
