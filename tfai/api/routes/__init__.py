"""One module per resource; each exposes `router` and is included automatically."""
