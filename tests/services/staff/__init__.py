"""Tests of Ticketflower staff access (issue 9)."""
