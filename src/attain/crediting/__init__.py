"""Attain crediting layer."""
