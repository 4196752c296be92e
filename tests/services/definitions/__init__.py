"""Tests of tfai.services.definitions."""
