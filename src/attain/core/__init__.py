"""Core value types shared by every layer: money, periods, errors, entity specs (stdlib only)."""
