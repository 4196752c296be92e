"""Tests of the architecture: layers, import paths, cycles and who may change a status."""
