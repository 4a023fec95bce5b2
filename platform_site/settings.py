"""One settings module, configured by the environment (see README: "Environment variables")."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from datasets.profiling.missing import MISSING_TOKENS
from platform_site import oidc
from platform_site.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_size,
    env_str,
    env_url,
)
from platform_site.logs import logging_config

# Lets ModelAdmin[...] and QuerySet[...] be subscripted at run time, as the type stubs expect.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Behind a TLS-terminating proxy we trust (the ALB sets X-Forwarded-Proto and strips a client's
# own): requests are known to be HTTPS, plain HTTP is redirected, browsers are told to stay on
# HTTPS, and cookies travel over HTTPS only. /healthz answers before any of this (health.py).
SECURE_PROXY = env_bool("SECURE_PROXY", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", SECURE_PROXY)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if SECURE_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# HSTS preload puts the domain on browsers' built-in lists, which takes months to undo: a choice
# for the owner of the domain, not a default (check --deploy would otherwise warn, W021).
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "mozilla_django_oidc",
    "axes",
    "platform_site",
    "ingestion",
    "datasets",
    "gallery",
    "chats",
]

MIDDLEWARE = [
    # First: the load balancer's probe carries the task's IP as Host and plain HTTP.
    "platform_site.health.LivenessMiddleware",
    "platform_site.logs.RequestIdMiddleware",
    # Before CSRF and sign-in: JSON APIs answer JSON whoever refuses; NUL bytes answer 400.
    "platform_site.errors.ErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "platform_site.urls"
CSRF_FAILURE_VIEW = "platform_site.errors.csrf_failure"
WSGI_APPLICATION = "platform_site.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "platform_site.context_processors.platform",
            ],
        },
    },
]

# Database: SQLite under DATA_DIR unless DATABASE_URL says otherwise.
DATABASE_URL = env_url(
    "DATABASE_URL",
    schemes=("sqlite", "postgres", "postgresql", "pgsql"),
    default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}",
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
# On AWS the password comes from Secrets Manager on its own (RDS manages and rotates it).
if env_str("DATABASE_PASSWORD"):
    DATABASES["default"]["PASSWORD"] = env_str("DATABASE_PASSWORD")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the worker share the file: WAL lets readers go on while one writes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one user name
# from one address, that pair is locked out for LOGIN_LOCKOUT_MINUTES and each attempt is
# logged; the right password does not get in until then.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The log line names the user name and address locked out (never the password).
AXES_SENSITIVE_PARAMETERS: list[str] = []
AXES_IPWARE_PROXY_COUNT = 1 if SECURE_PROXY else None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if SECURE_PROXY else ["REMOTE_ADDR"]
)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Storage: an S3 bucket when STORAGE_BUCKET is set, else files under DATA_DIR/storage. Chosen
# here once: ingestion.storage never asks which (see ingestion/backends/).
STORAGE_BUCKET = env_str("STORAGE_BUCKET")
AWS_S3_ENDPOINT_URL = env_url("AWS_S3_ENDPOINT_URL", schemes=("http", "https"))
AWS_REGION = env_str("AWS_REGION", env_str("AWS_DEFAULT_REGION", "us-east-1"))
LOCAL_STORAGE_DIR = DATA_DIR / "storage"
if STORAGE_BUCKET:
    _default_storage: dict[str, Any] = {
        "BACKEND": "ingestion.backends.s3.BucketStorage",
        "OPTIONS": {
            "bucket_name": STORAGE_BUCKET,
            "endpoint_url": AWS_S3_ENDPOINT_URL or None,
            "region_name": AWS_REGION,
            "file_overwrite": True,  # keys are unique by construction; skip the existence check
            "querystring_expire": 900,
            "signature_version": "s3v4",
        },
    }
else:
    _default_storage = {
        "BACKEND": "ingestion.backends.local.LocalStorage",
        "OPTIONS": {"location": LOCAL_STORAGE_DIR},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The bucket name recorded in the ledger; "local" for the files-on-disk mode.
STORAGE_BUCKET_LABEL = STORAGE_BUCKET or "local"

# Uploads stream to a temporary file in chunks, never into memory.
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "tmp")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
FILE_UPLOAD_PERMISSIONS = 0o600
UPLOAD_MAX_SIZE = env_size("UPLOAD_MAX_SIZE", 5 * 1024**3)
# Resumable uploads travel in parts of this size (S3 asks at least 5 MB): what a dropped
# connection costs at most, and how often the browser asks for more part URLs.
UPLOAD_PART_SIZE = env_size("UPLOAD_PART_SIZE", 16 * 1024**2)
if UPLOAD_PART_SIZE < 5 * 1024**2:
    raise ImproperlyConfigured("UPLOAD_PART_SIZE: S3 needs parts of at least 5MB")
SIGNED_URL_SECONDS = env_int("SIGNED_URL_SECONDS", 900, minimum=10)

# Events: from SQS (AWS mode) and, always, from the app itself after it stores an upload.
SQS_QUEUE_URL = env_url("SQS_QUEUE_URL", schemes=("http", "https"))
AWS_SQS_ENDPOINT_URL = env_url("AWS_SQS_ENDPOINT_URL", schemes=("http", "https"))

# Celery: Redis when REDIS_URL is set, else kombu's filesystem transport (no server needed).
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss"))
BROKER_DIR = DATA_DIR / "broker"
CELERY_TASK_TIME_LIMIT = env_int("TASK_TIME_LIMIT", 1800, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT - 30, 5)
# A processing claim is a lease: it expires after the hard limit, and a lease taken over after
# this many starts fails the row instead (ingestion.leases).
TASK_MAX_ATTEMPTS = env_int("TASK_MAX_ATTEMPTS", 3, minimum=1)
# The worker's periodic sweep (platform_site.sweeps): every SWEEP_SECONDS, one worker at a time
# runs each function named here (each returns how many things it did). Received rows not
# enqueued for SWEEP_GRACE_SECONDS (the broker was down) are enqueued, and rows enqueued
# SWEEP_REQUEUE_SECONDS ago and never started are enqueued again.
SWEEP_SECONDS = env_int("SWEEP_SECONDS", 60, minimum=1)
SWEEP_GRACE_SECONDS = env_int("SWEEP_GRACE_SECONDS", 60, minimum=0)
SWEEP_REQUEUE_SECONDS = env_int("SWEEP_REQUEUE_SECONDS", 600, minimum=1)
if REDIS_URL and env_str("REDIS_PASSWORD"):
    # ElastiCache's AUTH token comes from Secrets Manager on its own (deploy/terraform).
    _redis = urlsplit(REDIS_URL)
    _netloc = f":{quote(env_str('REDIS_PASSWORD'), safe='')}@{_redis.netloc.rpartition('@')[2]}"
    REDIS_URL = urlunsplit(_redis._replace(netloc=_netloc))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        # Longer than the longest task (and than a retry's longest countdown, 600 s, which the
        # worker holds unacked), so acks_late never hands a running task to a second worker.
        # A worker killed outright has its messages back after this; its leases are taken over
        # sooner by the sweep (the holder's process or host is dead) and the message then finds
        # the object done.
        "visibility_timeout": CELERY_TASK_TIME_LIMIT + 600,
    }
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = True
else:
    CELERY_BROKER_URL = "filesystem://"
    # kombu's filesystem transport, writing each message whole (platform_site/broker.py).
    CELERY_BROKER_TRANSPORT = "platform_site.broker:Transport"
    (BROKER_DIR / "queue").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # kombu's default is 1 s: the worker then took at most one message per process each
        # second, so a burst of small uploads queued for minutes (bench_load: 505 uploads in
        # 60 s took 197 s more to drain). A directory listing every 0.1 s costs next to nothing.
        "polling_interval": 0.1,
    }
    # The filesystem transport has no fan-out exchange for remote control.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False

# What the periodic sweep calls (dotted paths of functions taking no arguments and returning a
# count): work that a broker outage or a dead worker left undone is sent again.
PLATFORM_SWEEPS: list[str] = [
    "ingestion.sweep.requeue_stalled",  # never enqueued, never started, or a lease that is over
    "ingestion.deletion.sweep_deletions",  # deletions recorded and not yet carried out
    "chats.lake.glue.sweep_runs",  # Glue runs nobody followed to the end (AWS only)
]

# Sign-in: OpenID Connect (Cognito or any provider) when OIDC_ISSUER is set, else local accounts.
OIDC_ISSUER = env_url("OIDC_ISSUER", schemes=("http", "https"))
OIDC_ENABLED = bool(OIDC_ISSUER)
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True
OIDC_TIMEOUT = 10
OIDC_OP_LOGOUT_URL_METHOD = "platform_site.auth.provider_logout_url"
OIDC_OP_LOGOUT_ENDPOINT = env_url("OIDC_LOGOUT_URL", schemes=("http", "https"))
OIDC_LOGOUT_STYLE = "cognito" if OIDC_OP_LOGOUT_ENDPOINT else "standard"


# Local password sign-in: on without OIDC; with OIDC only when LOCAL_SIGN_IN says so (then
# /accounts/login/?local=1 and /admin/login/ take passwords too).
LOCAL_SIGN_IN = env_bool("LOCAL_SIGN_IN", not OIDC_ENABLED)
# Staff (the Django admin) are the members of these provider groups, read from this claim of
# the ID token (Cognito: cognito:groups); empty = the provider decides nobody's staff status.
OIDC_STAFF_GROUPS = env_list("OIDC_STAFF_GROUPS", [])
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "cognito:groups")
if OIDC_ENABLED:
    OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
    if not OIDC_RP_CLIENT_ID:
        raise ImproperlyConfigured("OIDC_CLIENT_ID: required when OIDC_ISSUER is set")
    # Explicit endpoints, or read from the provider's discovery document on first use (no
    # network I/O here: platform_site/oidc.py).
    _https = ("http", "https")
    OIDC_OP_AUTHORIZATION_ENDPOINT = oidc.endpoint(
        OIDC_ISSUER,
        "authorization_endpoint",
        explicit=env_url("OIDC_AUTHORIZATION_ENDPOINT", schemes=_https),
    )
    OIDC_OP_TOKEN_ENDPOINT = oidc.endpoint(
        OIDC_ISSUER, "token_endpoint", explicit=env_url("OIDC_TOKEN_ENDPOINT", schemes=_https)
    )
    OIDC_OP_USER_ENDPOINT = oidc.endpoint(
        OIDC_ISSUER, "userinfo_endpoint", explicit=env_url("OIDC_USERINFO_ENDPOINT", schemes=_https)
    )
    OIDC_OP_JWKS_ENDPOINT = oidc.endpoint(
        OIDC_ISSUER, "jwks_uri", explicit=env_url("OIDC_JWKS_ENDPOINT", schemes=_https)
    )
    OIDC_OP_ISSUER = oidc.endpoint(OIDC_ISSUER, "issuer", default=OIDC_ISSUER)
    if not OIDC_OP_LOGOUT_ENDPOINT:
        OIDC_OP_LOGOUT_ENDPOINT = oidc.endpoint(OIDC_ISSUER, "end_session_endpoint", default="")
    AUTHENTICATION_BACKENDS = ["platform_site.auth.OIDCBackend"]
    if LOCAL_SIGN_IN:
        AUTHENTICATION_BACKENDS.append("django.contrib.auth.backends.ModelBackend")
# django-axes counts failed password sign-ins; it must see every authentication first.
AUTHENTICATION_BACKENDS.insert(0, "axes.backends.AxesStandaloneBackend")

# Chats: DuckDB over the local silver Parquet, or Athena.
CHATS_ENGINE = env_choice("CHATS_ENGINE", ("duckdb", "athena"), "duckdb")
ATHENA_WORK_GROUP = env_str("ATHENA_WORK_GROUP", "primary")
ATHENA_DATABASE = env_str("ATHENA_DATABASE", "personal_data")
ATHENA_TABLE = env_str("ATHENA_TABLE", "whatsapp_silver")
ATHENA_S3_STAGING_DIR = env_url("ATHENA_S3_STAGING_DIR", schemes=("s3",))
AWS_ATHENA_ENDPOINT_URL = env_url("AWS_ATHENA_ENDPOINT_URL", schemes=("http", "https"))
if CHATS_ENGINE == "athena" and not ATHENA_S3_STAGING_DIR:
    raise ImproperlyConfigured("ATHENA_S3_STAGING_DIR: required when CHATS_ENGINE=athena")
# Chat silver on AWS: the Glue job that builds it (unset: the worker builds it; see README).
GLUE_JOB_NAME = env_str("GLUE_JOB_NAME")
AWS_GLUE_ENDPOINT_URL = env_url("AWS_GLUE_ENDPOINT_URL", schemes=("http", "https"))
# First wait before a Glue run's state is checked; later checks back off to 10 minutes.
GLUE_POLL_SECONDS = env_int("GLUE_POLL_SECONDS", 30, minimum=1)
if GLUE_JOB_NAME and not STORAGE_BUCKET:
    raise ImproperlyConfigured(
        "GLUE_JOB_NAME: the Glue job reads and writes the bucket; set STORAGE_BUCKET as well"
    )

# Photos
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 100_000_000, minimum=1)

# Content-Security-Policy (django-csp): this site's own scripts, styles and images only, and
# nothing inline (no script body, no style attribute: templates use classes and data attributes
# read by static scripts). Signed URLs point at the bucket's host.
_csp_images = ["'self'", "data:", "blob:"]
_csp_forms = ["'self'"]
_csp_connect = ["'self'"]
if STORAGE_BUCKET:
    _csp_images.append(AWS_S3_ENDPOINT_URL or "https://*.amazonaws.com")
    # The upload page sends big files' parts straight to the bucket (presigned URLs).
    _csp_connect.append(AWS_S3_ENDPOINT_URL or "https://*.amazonaws.com")
if OIDC_ENABLED:
    # Signing out posts a form whose answer redirects to the provider's logout page.
    for _url in (OIDC_ISSUER, env_str("OIDC_LOGOUT_URL")):
        if _url:
            _csp_forms.append("{0.scheme}://{0.netloc}".format(urlsplit(_url)))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": _csp_images,
        "media-src": _csp_images,
        "connect-src": _csp_connect,
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": _csp_forms,
    }
}

# Datasets: cells that count as missing besides empty ones, comma-separated.
DATASETS_MISSING_TOKENS = env_list("DATASETS_MISSING_TOKENS", list(MISSING_TOKENS))

# Logs: plain lines locally; LOG_FORMAT=json (the container's default) writes one JSON object
# per line with the request id on web requests and the task id in Celery tasks.
LOG_FORMAT = env_choice("LOG_FORMAT", ("plain", "json"), "plain")
LOGGING = logging_config(LOG_FORMAT, env_str("LOG_LEVEL", "INFO"))

if os.environ.get("PLATFORM_TESTING"):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # A file, not memory: a real worker process in the integration tests shares it.
        DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
