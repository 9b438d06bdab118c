"""Fixtures shared by the integration tests."""

from testing.scripted import scripted_server

__all__ = ["scripted_server"]
