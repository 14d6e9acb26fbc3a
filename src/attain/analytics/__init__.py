"""Sales analytics: the metric catalog, the activity funnel and forecasting.

This package computes from entity tables handed to it as Arrow (``attain.services.metrics`` and
``attain.services.forecast`` read them from the store); it imports no web framework, ORM or driver.
All metric SQL runs set-based in an in-process DuckDB over the tables registered as views.
"""
