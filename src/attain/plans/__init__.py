"""Attain plans layer."""
