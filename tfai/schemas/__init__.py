"""JSON Schemas shipped as package data (bundle.schema.json, layout.schema.json)."""
