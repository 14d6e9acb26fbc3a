"""All web pages, assembled into one router (server-rendered HTML, no client framework)."""

from __future__ import annotations

from fastapi import APIRouter

from attain.web import (
    admin_pages,
    auth_pages,
    dashboard_pages,
    desk_pages,
    directory_pages,
    ops_pages,
    pay_pages,
    planning_pages,
    whatif_pages,
)

router = APIRouter(include_in_schema=False)
for _module in (auth_pages, directory_pages, ops_pages, pay_pages, admin_pages, dashboard_pages, desk_pages,
                planning_pages, whatif_pages):
    router.include_router(_module.router)
