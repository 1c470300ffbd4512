"""Request types of the apps at and above accounts, whose pages and endpoints always have a
signed-in user (pages are @login_required; the API authenticates every call)."""

from django.http import HttpRequest

from safecampus.core import types

from .models import User


class UserRequest(HttpRequest):
    """A page request of a signed-in user."""

    user: User


class ApiRequest(types.ApiRequest):
    """An API request; `auth` is the caller."""

    auth: User
