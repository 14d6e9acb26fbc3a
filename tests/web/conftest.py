"""The web page tests share the API tests' company, app and client fixtures."""

from tests.api.conftest import app, cheap_hashing, client, company_url, signed_in

__all__ = ["app", "cheap_hashing", "client", "company_url", "signed_in"]
