"""Attain services layer."""
