"""Accounts: company sign-up, profiles, users and company roles."""
