"""Attain engine layer."""
