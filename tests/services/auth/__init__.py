"""Tests of tfai.services.auth."""
