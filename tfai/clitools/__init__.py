"""Command-line tools that need no database; tfai/cli.py wires their register() functions in."""
