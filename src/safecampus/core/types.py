"""Types the platform's signatures share below the apps that define the records.

`access` and `orgs` sit below `accounts`, so they cannot name `accounts.models.User`; and
`access` sits below `orgs`, so it cannot name `OrgUnit`. They take these instead."""

from typing import Protocol

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

# Whoever a request, a task or a command acts as: a signed-in user (accounts.User) or nobody.
AnyUser = AbstractBaseUser | AnonymousUser


class AtPath(Protocol):
    """An org unit as the choke point sees it: its materialised path of codes."""

    @property
    def path(self) -> str: ...


class ApiRequest(HttpRequest):
    """A request to the API: django-ninja puts the authenticated caller on `auth`.
    (accounts.types.ApiRequest narrows it to accounts.User for the apps above accounts.)"""

    auth: AnyUser
