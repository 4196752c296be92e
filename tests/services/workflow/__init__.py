"""Tests of tfai.services.workflow."""
