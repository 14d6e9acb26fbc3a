"""Attain ingest layer."""
