"""Tests of tfai.services.accounts."""
