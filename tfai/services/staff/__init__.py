"""Ticketflower staff: the console, access grants into a company, the audit log."""
