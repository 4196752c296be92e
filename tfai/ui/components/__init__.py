"""Reusable UI pieces (layout, forms, tables)."""
