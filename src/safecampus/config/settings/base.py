"""Base settings. Everything that differs between machines comes from the environment.

With nothing set, SafeCampus runs self-contained: SQLite (WAL) in SAFECAMPUS_DATA_DIR,
the in-memory channel layer and Huey on SQLite. DATABASE_URL / REDIS_URL / MQTT_URL
switch to PostgreSQL, Redis (cache, channels, Huey) and the MQTT broker.
"""

import ipaddress
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, REPORT_SAMPLE, SELF

from safecampus.core.env import env, env_bool, env_int, env_list, env_rate

PACKAGE_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = Path(env("SAFECAMPUS_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data dir."""
    key = env("SECRET_KEY")
    if key:
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "huey.contrib.djhuey",
    "channels",
    "ninja",  # serves the API docs page's assets locally (no CDN)
    # The platform, lowest layer first (docs/architecture.md §1; the layers are checked by
    # import-linter, pyproject.toml) ...
    "safecampus.core",
    "safecampus.audit",
    "safecampus.access",
    "safecampus.imports",
    "safecampus.orgs",
    "safecampus.accounts",
    "safecampus.auditlog",
    "safecampus.notifications",
    "safecampus.rules",
    "safecampus.demo",
    # ... the domain apps (docs/adding-a-domain-app.md) ...
    "safecampus.risks",
    "safecampus.hazards",
    "safecampus.threelists",
    "safecampus.inspections",
    "safecampus.patrols",
    "safecampus.devices",
    "safecampus.defenses",
    "safecampus.buildings",
    "safecampus.emergency",
    # ... and the one app that reads across them.
    "safecampus.dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise: the policy goes on every response, static files' too.
    "safecampus.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "safecampus.core.middleware.RejectControlCharactersMiddleware",
    "safecampus.core.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "safecampus.accounts.middleware.SecondFactorMiddleware",
    "safecampus.accounts.middleware.IdleTimeoutMiddleware",
    "safecampus.accounts.middleware.PasswordExpiryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "safecampus.audit.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safecampus.config.urls"
WSGI_APPLICATION = "safecampus.config.wsgi.application"
ASGI_APPLICATION = "safecampus.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safecampus.access.context_processors.shell",
                "safecampus.notifications.context_processors.bell",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A connection pool, not persistent connections: under ASGI Django must not keep
        # connections per thread (CONN_MAX_AGE stays 0).
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("SAFECAMPUS_DB_POOL_MIN", 2),
            "max_size": env_int("SAFECAMPUS_DB_POOL_MAX", 10),
            "timeout": 10,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "safecampus.sqlite3"),
            # WAL lets the web server and the task consumer read while one writes.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, task queue --------------------------------------------
REDIS_URL = env("REDIS_URL")
MQTT_URL = env("MQTT_URL")

# The names of this deployment's keys and channels in Redis (cache keys, channel-layer
# channels, the Huey queue): deployments, or test runs, sharing one Redis need one each.
REDIS_PREFIX = env("SAFECAMPUS_REDIS_PREFIX", "safecampus")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub: a group message is published once and fanned out to the boards by each
            # server process, instead of one Redis write per board (emergency/realtime.py).
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REDIS_PREFIX},
        }
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": REDIS_PREFIX,
        "url": REDIS_URL,
        "immediate": False,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "safecampus",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": False,
    }

# The periodic tasks' schedules (core/schedules.py): crontab fields "minute hour day month
# day-of-week", in UTC, each overridable by SAFECAMPUS_SCHEDULE_<NAME> (docs/operations.md §5).
TASK_SCHEDULES = {
    name: env(f"SAFECAMPUS_SCHEDULE_{name.upper()}", default)
    for name, default in {
        "audit_prune": "17 19 * * *",  # 03:17 in Beijing, a quiet hour for the bureau
        "audit_chain_head": "47 19 * * *",  # after the purge: the head it leaves, to the log
        "hazard_deadlines": "30 0 * * *",  # 08:30 in Beijing, the start of the school day
        "device_faults": "*/10 * * * *",
        "alarms_escalate": "* * * * *",
        "deliveries_sweep": "* * * * *",
    }.items()
}

# --- Accounts and 等保 level 3 hardening ---------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboards:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# The password and lockout rules are the security administrator's (accounts.policy: a
# SecurityPolicy row, changed on /security/ or PUT /api/v1/security/policy, never below the
# floors of accounts.models.POLICY_BOUNDS); these are its values until one is saved.
PASSWORD_MIN_LENGTH = env_int("SAFECAMPUS_PASSWORD_MIN_LENGTH", 10)
PASSWORD_MIN_CLASSES = env_int("SAFECAMPUS_PASSWORD_MIN_CLASSES", 3)
PASSWORD_HISTORY = env_int("SAFECAMPUS_PASSWORD_HISTORY", 5)
# Days after which a password must be changed; 0 turns the rule off.
PASSWORD_MAX_AGE_DAYS = env_int("SAFECAMPUS_PASSWORD_MAX_AGE_DAYS", 90)
# The longest password: a longer one is refused before it is hashed (login, token) or estimated.
PASSWORD_MAX_LENGTH = 128
# The least zxcvbn score (0–4) a new password needs: 3 is "safely unguessable" (about 10⁸
# guesses and more), which refuses aaaaaaaaaA1, P@ssw0rd12, Aa1!Aa1!Aa or 1234567890aA.
PASSWORD_MIN_SCORE = env_int("SAFECAMPUS_PASSWORD_MIN_SCORE", 3)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "safecampus.accounts.validators.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "safecampus.accounts.validators.CharacterClassValidator"},
    {"NAME": "safecampus.accounts.validators.PasswordHistoryValidator"},
    {
        "NAME": "safecampus.accounts.validators.MaximumLengthValidator",
        "OPTIONS": {"max_length": PASSWORD_MAX_LENGTH},
    },
    {"NAME": "safecampus.accounts.validators.ChineseCommonPasswordValidator"},
    {
        "NAME": "safecampus.accounts.validators.StrengthValidator",
        "OPTIONS": {"min_score": PASSWORD_MIN_SCORE, "max_length": PASSWORD_MAX_LENGTH},
    },
]

# Idle sessions end after 30 minutes (等保 / ASVS); the absolute lifetime is one working day.
IDLE_TIMEOUT_SECONDS = env_int("SAFECAMPUS_IDLE_TIMEOUT_SECONDS", 30 * 60)
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from the page (hx-headers), not the cookie

# The lockout's defaults; axes reads the policy in force (accounts.policy) through callables.
LOCKOUT_FAILURES = env_int("SAFECAMPUS_LOCKOUT_FAILURES", 5)
LOCKOUT_MINUTES = env_int("SAFECAMPUS_LOCKOUT_MINUTES", 30)
AXES_FAILURE_LIMIT = "safecampus.accounts.policy.axes_failure_limit"
AXES_COOLOFF_TIME = "safecampus.accounts.policy.axes_cooloff_time"
# Lock the account, not the address: a school's staff share one NAT address, and one
# person's typos must not lock out the whole school (axes.W006 is about the latter).
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "safecampus.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The client's address as the rest of the platform reads it (REMOTE_ADDR, set by uvicorn behind
# the proxy): axes would otherwise switch to X-Forwarded-For, which a client can forge, as soon
# as django-ipware happened to be installed.
AXES_CLIENT_IP_CALLABLE = "safecampus.core.clients.client_ip"

# Rate limits (core/throttle.py): "COUNT/PERIOD" (s, m, h) counted per fixed window in the cache
# (Redis with REDIS_URL: shared by every web process), each overridable by
# SAFECAMPUS_THROTTLE_<NAME>; a refusal answers 429 with Retry-After (docs/operations.md §10).
SAFECAMPUS_THROTTLES = {
    name: env_rate(f"SAFECAMPUS_THROTTLE_{name.upper()}", default)
    for name, default in {
        # Failed logins (login page, POST /api/v1/auth/token, the token page) from one client
        # address, across usernames: password spraying. The lockout above is per username only,
        # so that one person's typos cannot lock out a school behind one NAT address; this
        # limit must not either. A school has a handful of accounts (4,063 accounts for 1,587
        # schools and 14 districts), a district office a few dozen: 20 failures in 15 minutes
        # is several people mistyping several times each, while a sprayer gets 80 guesses an
        # hour (two days to try one password on every account, instead of minutes). Correct
        # logins are not counted.
        "login_failures": "20/15m",
        # Token requests from one address, right or wrong: each costs a password hash, and a
        # script needs a token per run, not per call (tokens live up to a year).
        "token": "10/1m",
        # Per user: workbook downloads (exports, import templates) and printable QR sheets ...
        "export": "30/10m",
        # ... import runs (each upload, preview and import reads the whole workbook) ...
        "import": "30/10m",
        # ... and list requests with a text search (q; the audit trail's username), which scan
        # their table: far above a person typing into a search box, far below a scraping loop.
        "search": "60/1m",
    }.items()
}

# The second factor (TOTP, django-otp; accounts/second_factor.py): required of the city
# administrator, the auditor, the security administrator and — unless this is 0 — the district
# officers; anyone else may enrol from their account page.
SAFECAMPUS_OTP_DISTRICT_OFFICERS = env_bool("SAFECAMPUS_OTP_DISTRICT_OFFICERS", True)
OTP_TOTP_ISSUER = "平安校园"
# Wrong codes count toward the axes lockout like wrong passwords (one limit, the security
# administrator's), so django-otp's own growing delays are off.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# A code of the previous, current or next 30 seconds, each accepted once; the window does not
# follow the codes used (a script using the next code must not shift it away from the phone's).
OTP_TOTP_SYNC = False
# Granting or removing roles, exporting personal data and changing rule sets need a password
# (and code) check at most this many seconds old: the re-authentication page, or for a bearer
# token POST /api/v1/auth/reauth (accounts/reauth.py).
REAUTH_SECONDS = env_int("SAFECAMPUS_REAUTH_SECONDS", 10 * 60)

# Audit entries are kept at least this long; 等保 and the Cybersecurity Law ask for ≥ 6 months
# (the floor; the database triggers of audit/migrations hold the same 183 days).
AUDIT_RETENTION_MIN_DAYS = 183
AUDIT_RETENTION_DAYS = max(
    env_int("SAFECAMPUS_AUDIT_RETENTION_DAYS", 190), AUDIT_RETENTION_MIN_DAYS
)
# The key that seals the audit trail (HMAC-SM3 chain, audit/chain.py): a file outside the
# database, 0600, made by `safecampus audit-key` (and `safecampus demo`). Back it up apart from
# the database: without it the trail cannot be verified.
SAFECAMPUS_AUDIT_KEY_FILE = Path(env("SAFECAMPUS_AUDIT_KEY_FILE", str(DATA_DIR / "audit_key")))

# --- I18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = ["safecampus.config.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at start-up when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Excel imports (core/excel.py, imports/): the largest file, the most data rows read (counted
# while streaming: past it the file is refused before it is read whole), the row errors listed.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
IMPORT_MAX_ROWS = env_int("SAFECAMPUS_IMPORT_MAX_ROWS", 20000)
IMPORT_MAX_ERRORS = 200
# An uploaded workbook waits here between the preview and the import (removed after a day).
IMPORT_STAGING_DIR = DATA_DIR / "import-staging"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A refused request (4xx, e.g. a 403) is one line, not a traceback; errors keep theirs.
    "filters": {"client_errors": {"()": "safecampus.core.logfilters.ClientErrorFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    "loggers": {
        "safecampus": {"level": env("LOG_LEVEL", "INFO")},
        "django.request": {"filters": ["client_errors"]},
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Content Security Policy (core/csp.py): scripts, styles, fonts and fetches from this site
# only, no inline code or style, nothing evaluated from text; violations are reported to the
# site's own endpoint, which logs them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, REPORT_SAMPLE],
        "style-src": [SELF, REPORT_SAMPLE],
        # data: for the SVG images in Tabler's CSS (select arrows, checkbox ticks).
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        # + ws:// and wss:// of the request's host, for the command board (core/csp.py).
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        # report-uri only: with a report-to beside it Chromium ignores report-uri and queues
        # the reports for the Reporting API, which delivered none in our headless Chromium.
        "report-uri": ["/csp-report/"],
    }
}

# Paged API lists: at most this many rows a request.
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# E-mail for notifications: set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and
# the EMAIL_HOST* settings in production; by default mail is written to the console.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "safecampus@localhost")
# The address of the site, for links in e-mails.
SAFECAMPUS_BASE_URL = env("SAFECAMPUS_BASE_URL", "http://127.0.0.1:8000")
# Networks outgoing requests (webhooks, group robots, the SMS provider: core/outbound.py) may
# reach although they are not public, e.g. "10.20.0.0/16" for a duty system on the bureau's
# own network; comma-separated CIDRs. Empty: only public addresses. A bad entry stops start-up.
SAFECAMPUS_OUTBOUND_ALLOW = [
    str(ipaddress.ip_network(n, strict=False)) for n in env_list("SAFECAMPUS_OUTBOUND_ALLOW", [])
]
