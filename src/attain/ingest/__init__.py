"""Ingest: read CSV/XLSX files, map their columns onto Attain's entities, validate them as columns.

``readers`` turns a file into text columns with the line number of every row, ``mapping`` applies a
declarative column mapping (YAML), ``validate`` checks the rows against the entity spec and returns
typed columns plus every problem as an ``Issue`` (codes IMPnnn, listed in docs/errors.md).
"""
