"""Attain: open-source Sales Performance Management — exact, explainable, fast incentive pay."""

__version__ = "0.1.0"
