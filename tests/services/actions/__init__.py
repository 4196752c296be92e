"""Tests of tfai.services.actions."""
