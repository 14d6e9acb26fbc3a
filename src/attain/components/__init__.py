"""Attain components layer."""
