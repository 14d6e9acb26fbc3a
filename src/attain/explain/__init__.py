"""Attain explain layer."""
