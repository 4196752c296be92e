"""Tests of tfai.services.dashboard."""
