"""Tenant isolation as a property (hypothesis state machine) and the full row-level-security matrix."""
