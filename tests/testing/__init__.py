"""Importable test builders shared by unit, integration and e2e tests."""
