"""Tests of the importers (readers, mapping, validation, import service)."""
