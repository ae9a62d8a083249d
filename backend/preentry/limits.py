"""The phone form's own per-address budget, inside the door's (backend/limits.py counts every
request without a token at TOKENLESS_RATE): lower than the door's, so a resident who goes over
it gets a plain page in their language instead of the door's JSON. A whole walk through the
longest procedure, with a few backs and changes, is some 40 requests."""

from __future__ import annotations

from fastapi import Request

from backend.ratelimit import Decision, Rate, RateLimiter, client_key

PAGE_RATE = Rate(60, 60.0)


class TooManyPages(Exception):
    def __init__(self, decision: Decision) -> None:
        super().__init__("too many phone-form pages from this address")
        self.retry_after_s = decision.retry_after_s


class PageBudget:
    """One per app (mount() keeps it in app.state), so two apps in one process never share
    their counts."""

    def __init__(self, rate: Rate = PAGE_RATE) -> None:
        self.limiter = RateLimiter(rate, "phone form pages")

    def spend(self, request: Request) -> None:
        decision = self.limiter.hit(client_key(request.scope.get("client")))
        if not decision.allowed:
            raise TooManyPages(decision)


BUDGET_STATE = "preentry_budget"


def page_budget(request: Request) -> None:
    """The dependency of every phone-form route: one page of the address's budget."""
    getattr(request.app.state, BUDGET_STATE).spend(request)
