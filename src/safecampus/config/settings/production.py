"""Production settings: the base settings with HTTPS and strict cookies; passes `check --deploy`."""

from safecampus.core.env import env, env_bool, env_int

# Checked before the base settings run, which would otherwise create a key file.
if not env("SECRET_KEY"):
    raise RuntimeError("Production needs SECRET_KEY (or SECRET_KEY_FILE) in the environment.")

from .base import *  # noqa: E402,F403

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
