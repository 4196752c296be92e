"""Authentication: sessions, login codes, API tokens and credential checks."""
