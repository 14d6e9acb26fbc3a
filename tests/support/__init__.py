"""Test helpers that run real services for the tests (e.g. a small OpenID Connect provider)."""
