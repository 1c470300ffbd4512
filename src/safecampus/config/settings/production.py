"""Production settings: the base settings with HTTPS and strict cookies; passes `check --deploy`."""

from .base import *  # noqa: F403
from .base import env, env_bool, env_int

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if not env("SECRET_KEY"):
    raise RuntimeError("Production needs SECRET_KEY (or SECRET_KEY_FILE) in the environment.")
