"""Tests of the services (use cases)."""
