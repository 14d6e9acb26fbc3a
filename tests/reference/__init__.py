"""The reference oracle: a small, row-by-row, obviously correct reading of docs/calculation.md."""
