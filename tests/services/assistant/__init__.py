"""Tests of tfai.services.assistant (drafting, proposals, its REST routes and isolation)."""
