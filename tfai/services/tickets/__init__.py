"""Tickets: submission, tracking, comments, attachments and admin steering."""
