"""Attain store layer."""
