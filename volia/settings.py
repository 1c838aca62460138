"""Django settings, all taken from environment variables (see README "Configuration").

VOLIA_DATABASE_URL   sqlite:///path/to/file.sqlite3 or postgres://user@host:5432/name;
                     default: sqlite in VOLIA_DATA_DIR.
VOLIA_DATA_DIR       where the default database and the generated secret key live;
                     default ./volia-data in the working directory.
VOLIA_SECRET_KEY     Django secret key; default: generated once into VOLIA_DATA_DIR/secret_key.
VOLIA_DEBUG          1 to enable debug pages (never in production).
VOLIA_ALLOWED_HOSTS  comma-separated host names; default localhost names.
VOLIA_HTTPS          true when served over HTTPS: Secure cookies and HSTS; default false.
VOLIA_REQUIRE_2FA    false to let staff in without a second factor (never in production); default true.
VOLIA_STAFF_SESSION_HOURS  a staff session ends this long after the log-in; default 12.
VOLIA_TRUSTED_PROXIES  number of reverse proxies in front (for the client address in X-Forwarded-For,
                     used by the log-in rate limits); default 0.
VOLIA_MIN_CELL_SIZE  smallest count a public breakdown shows (smaller ones are suppressed); default 5.
VOLIA_DEFAULT_VISIBILITY  visibility of imported people whose row leaves it empty: public, internal
                     or restricted; default internal.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("VOLIA_DATA_DIR", Path.cwd() / "volia-data")).resolve()


def _secret_key() -> str:
    if key := os.environ.get("VOLIA_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("VOLIA_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("VOLIA_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "volia.registry",
    "volia.accounts",
    "volia.search",
    "volia.linkage",
    "volia.web",
    "volia.api",
]

MIDDLEWARE = [
    # outermost: stores anonymous public pages with every header below, for volia.web.public.fastpath
    "volia.web.public.fastpath.StorePublicPagesMiddleware",
    # first, so that its headers are on every response, errors and redirects included
    "volia.accounts.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # /be/, /ru/, /en/ choose the public site's language; other paths (staff, admin, API) stay English
    "volia.web.public.middleware.PublicLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # staff must pass the second factor before /staff/, /admin/ and the API
    "volia.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "volia.urls"
WSGI_APPLICATION = "volia.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'volia.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("VOLIA_DATABASE_URL") or _default_db)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a writer takes the lock at BEGIN, so two writers queue instead of failing
        # half-way with "database is locked"; WAL lets readers go on during an import.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 hashes new passwords; the others only check old hashes (upgraded at the next log-in)
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "be"  # the public site's default language (/ redirects to /be/)
LANGUAGES = [("be", "Беларуская"), ("ru", "Русский"), ("en", "English")]
TIME_ZONE = "Europe/Minsk"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# Shared by every gunicorn worker: public pages are cached here, keyed by language and by the
# data version (volia.web.public.cache), so that a burst of readers does not recompute them.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
}

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"  # filled by `volia collectstatic` for deployments; may stay empty
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True  # serve app and admin assets without a collectstatic step


def _choice_env(name: str, choices: tuple[str, ...], default: str) -> str:
    value = os.environ.get(name, "") or default
    if value not in choices:
        raise ValueError(f"{name}={value!r}: expected one of {', '.join(choices)}")
    return value


def _int_env(name: str, default: int, low: int) -> int:
    raw = os.environ.get(name, "") or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r}: expected a whole number") from None
    if value < low:
        raise ValueError(f"{name}={value}: expected at least {low}")
    return value


# volia.security.policy: public breakdowns hide counts below this; imports default to this visibility
VOLIA_MIN_CELL_SIZE = _int_env("VOLIA_MIN_CELL_SIZE", 5, 1)
VOLIA_DEFAULT_VISIBILITY = _choice_env("VOLIA_DEFAULT_VISIBILITY", ("public", "internal", "restricted"), "internal")



def _flag_env(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}={raw!r}: expected true or false")


def _hours_env(name: str, default: int, *, unit: str = "hours", low: int = 1) -> int:
    raw = os.environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or int(raw) < low:
        raise ValueError(f"{name}={raw!r}: expected a whole number of {unit}, at least {low}")
    return int(raw)


# Accounts and log-in (docs/security.md, "Accounts and login"); the security headers themselves
# (CSP, Referrer-Policy, HSTS...) are set on every response by volia.accounts.middleware.
VOLIA_HTTPS = _flag_env("VOLIA_HTTPS", False)
VOLIA_REQUIRE_2FA = _flag_env("VOLIA_REQUIRE_2FA", True)
VOLIA_STAFF_SESSION_SECONDS = _hours_env("VOLIA_STAFF_SESSION_HOURS", 12) * 3600
VOLIA_TRUSTED_PROXIES = _hours_env("VOLIA_TRUSTED_PROXIES", 0, unit="proxies", low=0)
VOLIA_LOGIN_FAILURES_PER_USERNAME = 5
VOLIA_LOGIN_FAILURES_PER_IP = 20
VOLIA_OTP_FAILURES_PER_USER = 5
VOLIA_LOGIN_WINDOW = 15 * 60  # seconds

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = VOLIA_HTTPS
SESSION_COOKIE_AGE = VOLIA_STAFF_SESSION_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = VOLIA_HTTPS
CSRF_USE_SESSIONS = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("VOLIA_LOG_LEVEL", "WARNING")},
}
