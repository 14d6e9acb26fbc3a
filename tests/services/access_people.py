"""The principals of the tiny paid company (tests/web/paid_company.py), for service-level access tests.

    Grace (boss) ── Mona (manager) ── Ray, Rita, XSS (reps)
                 └─ Otto (rep; reported to Mona until 60 days ago)
    Fred reports to Mona only from 30 days from now.

Services take a ``Principal``; these are built directly (no sign-in), as a page or the API would pass
them. Pat is a planner: no payee, no pay.
"""

from __future__ import annotations

from attain.services.access import Principal

ADMIN = Principal(1, "admin", "admin")
FINANCE = Principal(2, "finance", "finance")
MONA = Principal(3, "mona", "manager", "MONA")
RAY = Principal(4, "ray", "rep", "RAY")
OTTO = Principal(5, "otto", "rep", "OTTO")
GRACE = Principal(6, "grace", "manager", "GRACE")
PAT = Principal(7, "pat", "planner")
UNLINKED = Principal(8, "stranger@example.com", "rep")
"""A rep without a payee (an OpenID-created account before an admin links it): sees nobody."""

PERIOD = "2024-Q1"
MONA_TEAM = {"MONA", "RAY", "RITA", "XSS"}
EVERY_PAYEE = {"GRACE", "MONA", "RAY", "RITA", "XSS", "OTTO", "FRED"}
