"""Thin Reflex UI: pages call services through state classes and show plain dicts."""
