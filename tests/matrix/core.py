"""core and the API's own routes: what the matrix does not run, and why."""

from .dsl import Excluded

EXCLUDED = [
    Excluded("core:healthz", "the load balancer's probe: no data, no login (test_platform.py)"),
    Excluded("core:set_language", "sets the interface language for anyone; no data"),
    Excluded("core:csp_report", "browsers' CSP violation reports: no login, no data (test_csp.py)"),
    Excluded("accounts:login", "the login form itself (test_accounts.py)"),
    Excluded("accounts:logout", "ends the caller's own session (test_accounts.py)"),
    Excluded("api:openapi-json", "the API's schema, public (test_api_contract.py)"),
    Excluded("api:openapi-view", "the API's documentation page, public"),
    Excluded("api:api-root", "ninja's root of /api/v1/, no operation behind it"),
]
