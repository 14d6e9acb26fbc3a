"""Attain cli layer."""
