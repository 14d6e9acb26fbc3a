"""Attain web layer."""
