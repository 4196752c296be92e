"""Tests of tfai.services.common."""
