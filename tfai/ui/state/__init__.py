"""Shared UI state: identity in backend-only vars, derived from the server-side session."""
