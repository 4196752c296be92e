"""Dashboard numbers for the home page and the charts."""
