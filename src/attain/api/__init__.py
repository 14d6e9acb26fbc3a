"""Attain api layer."""
