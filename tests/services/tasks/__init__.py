"""Tests of tfai.services.tasks."""
