"""Tests of tfai.services.tickets."""
