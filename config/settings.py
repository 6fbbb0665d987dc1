"""Settings, read from environment variables with safe defaults for the embedded run.

Embedded default (nothing set): SQLite under var/, a Celery broker on the local
filesystem, mail written to files under var/mail/. Production: set DATABASE_URL,
REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and EMAIL_URL.
"""

import os
import secrets
import sys
from datetime import time, timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.embedded import (
    allowed_hosts_from_env,
    broker_dir,
    debug_from_env,
    env_bool,
    is_embedded,
    read_secret_key,
    site_url_from_env,
    static_root,
    var_dir,
)
from config.storage import storage_from_url

# Importing the settings creates nothing: the commands that run the system make VAR_DIR ready
# (config.embedded.prepare_var_dir: scripts/run.py, manage.py, the Celery app).
BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = var_dir()

TESTING = "pytest" in Path(sys.argv[0]).name or "pytest" in sys.modules or sys.argv[1:2] == ["test"]


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# DEBUG only when asked for (DEBUG=1): the embedded run too serves the product's own error pages.
# The embedded run (no DATABASE_URL) keeps a key of its own; a deployment on PostgreSQL must set SECRET_KEY.
DEBUG = debug_from_env()

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING or is_embedded()):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # The key make run and manage.py keep in VAR_DIR/secret_key; a process started otherwise before
    # there is one (a test run, a lone `celery worker`) gets a key of its own.
    SECRET_KEY = read_secret_key() or secrets.token_urlsafe(50)


def ledger_keys_from_env():
    """LEDGER_KEYS: ``id:secret`` pairs, comma-separated (ids: letters, digits, ``._-``, up to 32)."""
    keys = {}
    for item in env_list("LEDGER_KEYS"):
        key_id, _sep, secret = item.partition(":")
        key_id, secret = key_id.strip(), secret.strip()
        if not key_id or len(key_id) > 32 or not key_id.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise ImproperlyConfigured("LEDGER_KEYS: each key is id:secret, the id of letters, digits, ._- (<= 32).")
        if len(secret) < 16:
            raise ImproperlyConfigured(f"LEDGER_KEYS: the secret of key {key_id!r} is shorter than 16 characters.")
        keys[key_id] = secret
    return keys


# The event ledger's HMAC keys (timeline.keys), kept outside the database: LEDGER_KEYS lists every key still
# needed to verify old events and anchors, LEDGER_KEY_ID names the one new events use (default: the last
# listed). The embedded run keeps a key of its own in VAR_DIR/ledger_key (made on first use); a test run
# makes one for its process and the processes it starts; a deployment on PostgreSQL must set LEDGER_KEYS.
LEDGER_KEYS = ledger_keys_from_env()
LEDGER_KEY_ID = os.environ.get("LEDGER_KEY_ID", "").strip()
LEDGER_KEY_FILE = ""
if not LEDGER_KEYS:
    if not (DEBUG or TESTING or is_embedded()):
        raise ImproperlyConfigured("LEDGER_KEYS must be set when DEBUG is off (the event ledger's keys).")
    if TESTING:
        os.environ["LEDGER_KEYS"] = f"test-{secrets.token_hex(3)}:{secrets.token_urlsafe(32)}"
        LEDGER_KEYS, LEDGER_KEY_ID = ledger_keys_from_env(), ""
    else:
        LEDGER_KEY_FILE = str(VAR_DIR / "ledger_key")
if LEDGER_KEYS and not LEDGER_KEY_ID:
    LEDGER_KEY_ID = list(LEDGER_KEYS)[-1]
if LEDGER_KEY_ID and LEDGER_KEY_ID not in LEDGER_KEYS:
    raise ImproperlyConfigured(f"LEDGER_KEY_ID {LEDGER_KEY_ID!r} is not one of LEDGER_KEYS.")

ALLOWED_HOSTS = allowed_hosts_from_env()  # as set, or the local names and the embedded run's HOST
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = site_url_from_env()  # as set, or from the embedded run's HOST and PORT

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",  # request metrics at /metrics (core.metrics)
    "axes",  # failed sign-ins and lockouts (accounts.lockout)
    # The project's apps, lowest layer first (see README "How the code is laid out").
    "core",
    "accounts",
    "register",
    "catalogue",
    "timeline",
    "ledgers",
    "cases",
    "closeout",
    "risk",
    "servicedesk",
    "briefing",
    "home",
    "demo",
]

MIDDLEWARE = [
    "core.health.HealthCheckMiddleware",  # /healthz and /readyz, before sessions, host checks and redirects
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.compression.CompressionMiddleware",  # gzip for pages, JSON and static files (above WhiteNoise)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",  # CONTENT_SECURITY_POLICY below
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionIdleMiddleware",  # SESSION_IDLE_HOURS
    "core.middleware.UserLanguageMiddleware",
    "core.middleware.RejectNulMiddleware",
    "core.middleware.ServiceUnavailableMiddleware",
    "core.middleware.UploadLimitMiddleware",  # PHOTO_REQUEST_MAX_FILES, PHOTO_REQUEST_MAX_BYTES
    "core.middleware.ExportRateLimitMiddleware",  # EXPORT_RATE_LIMIT
    "django.contrib.messages.middleware.MessageMiddleware",
    "cases.offline.OfflineHeadersMiddleware",  # marks a field user's pages for the phone to keep offline
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # a locked-out sign-in answers accounts.lockout.lockout_response
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "home.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # Web, worker and beat share one file: wait for locks, take the write lock up front.
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A covering index (``Index(include=…)``, the dashboard's trend on PostgreSQL) is a plain index here: as meant.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the product's statements are short reads of indexes and summaries, which PostgreSQL's
    # cost estimate sends to the JIT at a million rows, compiling for longer than the statement then runs
    # (issue 13). An ``options`` in DATABASE_URL's query string takes precedence.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # An unreachable Redis costs a request 2 s at most, then the throttles count locally (core.throttling).
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    CELERY_BROKER_DIR = broker_dir()  # its folders are made by config.embedded.prepare_var_dir
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }

CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_ENABLE_UTC = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")


def _parse_hhmm(value, default):
    try:
        hours, minutes = (int(part) for part in value.split(":"))
        return time(hours, minutes)
    except (AttributeError, ValueError):
        return default


DAILY_REPORT_TIME = _parse_hhmm(os.environ.get("DAILY_REPORT_TIME", "08:00"), time(8, 0))


def _crontab_at(minutes_after_report):
    """A crontab this many minutes after DAILY_REPORT_TIME (negative: before it)."""
    total = (DAILY_REPORT_TIME.hour * 60 + DAILY_REPORT_TIME.minute + minutes_after_report) % (24 * 60)
    return crontab(hour=total // 60, minute=total % 60)


CELERY_BEAT_SCHEDULE = {
    "escalate-overdue-tickets": {
        "task": "cases.tasks.escalate_overdue_tickets_task",
        "schedule": _crontab_at(-15),
        "options": {"expires": 3600},
    },
    "send-daily-report": {
        "task": "briefing.tasks.send_daily_report_task",
        "schedule": _crontab_at(0),
        "options": {"expires": 6 * 3600},
    },
    "remind-deadlines": {
        "task": "briefing.tasks.remind_deadlines_task",
        "schedule": _crontab_at(5),
        "options": {"expires": 6 * 3600},
    },
    # Messages to a ticket's responsible party that an event's own trigger did not get out (briefing.outreach).
    "sweep-party-outreach": {
        "task": "briefing.tasks.sweep_outreach_task",
        "schedule": 300,
        "options": {"expires": 240},
    },
    # The day summaries the briefing and the dashboard add up, caught up from the event log (briefing.summaries),
    # the map's cells and the tallies of the units and the campaign ledgers' records, from what the database noted
    # as changed (closeout.map_cells, briefing.unit_tally, briefing.record_tally).
    "catch-up-summaries": {
        "task": "briefing.tasks.catch_up_summaries_task",
        "schedule": 300,
        "options": {"expires": 240},
    },
    # Every unit's risk level, once the day's deadlines have passed (risk.levels).
    "recompute-risk-levels": {
        "task": "risk.tasks.recompute_risk_levels_task",
        "schedule": crontab(hour=0, minute=10),
        "options": {"expires": 6 * 3600},
    },
    # Client keys of requests sent more than once (core.idempotency), forgotten after IDEMPOTENCY_KEEP_DAYS.
    "purge-idempotency-keys": {
        "task": "core.tasks.purge_idempotency_keys_task",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 6 * 3600},
    },
    # verify_events every night after the anchor; the last result is shown to admins, managers and leaders
    # (core.checks).
    "verify-events": {
        "task": "core.tasks.verify_events_task",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 6 * 3600},
    },
    # The day's anchor over every event stream, just after midnight Asia/Shanghai (CELERY_TIMEZONE).
    "anchor-event-chains": {
        "task": "timeline.tasks.anchor_event_chains_task",
        "schedule": crontab(hour=0, minute=5),
        "options": {"expires": 6 * 3600},
    },
}

# --- Workflow settings ------------------------------------------------------------
# Days overdue at which the daily job raises a ticket to 督办 (1) and 挂牌督办 (2).
ESCALATION_THRESHOLDS = [int(x) for x in env_list("ESCALATION_THRESHOLDS", "1,7")]
REMINDER_DAYS = int(os.environ.get("REMINDER_DAYS", "2"))
FOLLOWUP_DAYS = int(os.environ.get("FOLLOWUP_DAYS", "30"))
# 验收时限: a submission verified within this many days counts as on time in the period reports (briefing.periods).
VERIFICATION_DAYS = int(os.environ.get("VERIFICATION_DAYS", "3"))
# Dates people give (core.dates.date_window_error): from 2000-01-01 to this many years ahead; a rectification
# deadline at most this many days ahead (cases.deadlines.validate_deadline).
DATE_MAX_YEARS_AHEAD = int(os.environ.get("DATE_MAX_YEARS_AHEAD", "3"))
DEADLINE_MAX_DAYS = int(os.environ.get("DEADLINE_MAX_DAYS", "730"))
REPORT_START_DATE = os.environ.get("REPORT_START_DATE", "")  # YYYY-MM-DD; empty: earliest hazard
REPORT_WEBHOOK_URLS = env_list("REPORT_WEBHOOK_URLS")
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
# Risk grading and patrols (risk): the default visit cycle per risk level, in days, until a leader sets a
# plan (risk.PatrolPlan); a check-in farther than this from the unit is flagged; an inspection within
# this many minutes after an unflagged check-in is verified on site (现场核验).
PATROL_DAYS = dict(
    zip(("red", "orange", "yellow", "blue"), (int(x) for x in env_list("PATROL_DAYS", "7,14,30,90")), strict=True)
)
CHECKIN_MAX_DISTANCE_M = int(os.environ.get("CHECKIN_MAX_DISTANCE_M", "300"))
CHECKIN_WINDOW_MINUTES = int(os.environ.get("CHECKIN_WINDOW_MINUTES", "120"))
# The phone's outbox (core.idempotency, core.dates.parse_captured_at): a record captured offline may be
# sent up to CAPTURE_MAX_AGE_DAYS later; its client key is remembered for IDEMPOTENCY_KEEP_DAYS.
CAPTURE_MAX_AGE_DAYS = int(os.environ.get("CAPTURE_MAX_AGE_DAYS", "7"))
IDEMPOTENCY_KEEP_DAYS = int(os.environ.get("IDEMPOTENCY_KEEP_DAYS", "30"))
# At most this many pages (a unit's page, its report and checklist forms …) kept on a phone for offline use.
OFFLINE_MAX_PAGES = int(os.environ.get("OFFLINE_MAX_PAGES", "600"))
# The safety office's public number, printed on plates and shown to anyone who scans one (empty: a generic text).
SAFETY_OFFICE_PHONE = os.environ.get("SAFETY_OFFICE_PHONE", "")
PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", str(10 * 1024 * 1024)))
# Uploads (core.images): an image over this many pixels is refused from its header, before decoding; one
# request uploads at most this many files of at most this total size (core.middleware.UploadLimitMiddleware).
PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", str(40_000_000)))
PHOTO_REQUEST_MAX_FILES = int(os.environ.get("PHOTO_REQUEST_MAX_FILES", "30"))
PHOTO_REQUEST_MAX_BYTES = int(os.environ.get("PHOTO_REQUEST_MAX_BYTES", str(100 * 1024 * 1024)))
# Spreadsheet exports (every ….xlsx page) per user, as DRF rates: "10/min", "100/hour"; empty: no limit
# (the default under tests, whose users share ids across tests; tests of the limit set it).
EXPORT_RATE_LIMIT = os.environ.get("EXPORT_RATE_LIMIT", "" if TESTING else "10/min")

# --- Auth -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions end after this many hours without a request (accounts.middleware.SessionIdleMiddleware).
SESSION_IDLE_HOURS = float(os.environ.get("SESSION_IDLE_HOURS", "8"))
SESSION_COOKIE_AGE = int(SESSION_IDLE_HOURS * 3600)
# API tokens (POST /api/v1/auth/token/) expire this many days after they were issued, and die with a
# password change (accounts.api.authentication, accounts.signals).
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "30"))

# Failed sign-ins (django-axes, counted in the database: no Redis needed) on the login form, the admin
# and the API token endpoint: LOGIN_FAILURE_LIMIT failures for one username lock that username out,
# LOGIN_ADDRESS_FAILURE_LIMIT failures from one client address lock the address out, each for
# LOGIN_LOCKOUT_MINUTES (accounts.lockout). Admins unlock in the admin (用户 → 解除锁定).
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "20"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "100"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "30"))
AUTHENTICATION_BACKENDS = [
    "accounts.lockout.LockoutBackend",  # axes' backend: refuses locked-out usernames and addresses
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_address"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# A success does not clear failures: one's own account signed in from an address must not wipe the
# count of another username guessed from there.
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- I18N -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = static_root()  # whitenoise serves from the finders; collectstatic is optional
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files: under MEDIA_ROOT, or in the private S3-compatible bucket of STORAGE_URL (config.storage).
STORAGES = {
    "default": storage_from_url(os.environ.get("STORAGE_URL", "")),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Each test client loads the middleware anew, and whitenoise would then index every static file of
# every app (≈40 ms a client, a minute of the suite); under tests it looks a file up when asked.
WHITENOISE_AUTOREFRESH = TESTING
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024


# --- E-mail -----------------------------------------------------------------------
def _email_from_url(url):
    parsed = urlparse(url)
    options = parse_qs(parsed.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_SSL": parsed.scheme == "smtps",
        "EMAIL_USE_TLS": options.get("tls", ["0"])[0] in {"1", "true"},
    }


EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL:
    globals().update(_email_from_url(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "mail")))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "安全隐患整改系统 <noreply@localhost>")
EMAIL_TIMEOUT = 20

# --- REST API ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ExpiringTokenAuthentication",  # API_TOKEN_DAYS
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"auth_token": os.environ.get("TOKEN_THROTTLE_RATE", "10/min")},
}
# API helper: workflow refusals (cases.services.WorkflowError) answer 400/403/409 with the message.
REST_FRAMEWORK["EXCEPTION_HANDLER"] = "core.api.exceptions.exception_handler"
# JSON bodies nested too deep (RecursionError) or carrying NUL answer 400 (core.api.parsers).
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "core.api.parsers.JSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]
# Throttles key anonymous clients by address: trust X-Forwarded-For only from this many proxies in front
# (0: the socket address; set 1 behind one reverse proxy). DRF's default would trust any client's header.
# TRUSTED_PROXY_COUNT (API_NUM_PROXIES, its older name, still read) is used by the sign-in lockout too
# (core.client_address).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT") or os.environ.get("API_NUM_PROXIES") or "0")
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
# The schema and Swagger UI answer signed-in users only, unless published (core.api.docs).
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Safety-inspection case tracker API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# API helper: one name per choice set in the OpenAPI schema; operations tagged by resource (tickets, hazards …).
SPECTACULAR_SETTINGS["SCHEMA_PATH_PREFIX"] = r"/api/v1"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "SeverityEnum": "catalogue.choices.Severity",
    "HazardStatusEnum": "cases.choices.HazardStatus",
    "TicketStatusEnum": "cases.choices.TicketStatus",
    "InspectionSourceEnum": "cases.choices.InspectionSource",
    "PhotoKindEnum": "cases.choices.PhotoKind",
    "EnterpriseKindEnum": "register.choices.EnterpriseKind",
    "RiskTagEnum": "register.choices.RiskTag",
    "CloseoutStateEnum": "register.choices.CloseoutState",
    "AccidentTypeEnum": "catalogue.choices.AccidentType",
    "RiskColourEnum": "risk.api.serializers.COLOURS",
    "DrillKindEnum": "ledgers.choices.DrillKind",
    "DeviceStatusEnum": "ledgers.choices.DeviceStatus",
    "LetterKindEnum": "ledgers.choices.LetterKind",
    "LetterStatusEnum": "ledgers.choices.LetterStatus",
    "LetterTargetStatusEnum": "ledgers.api.letters.TARGETS",
}

# --- Security (effective when served over HTTPS) --------------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Plain-HTTP requests are redirected to HTTPS (the proxy's X-Forwarded-Proto says which it was),
    # except the health probes a proxy or orchestrator makes on the app's own port.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$", r"^metrics/?$"]
# Strict-Transport-Security, sent over HTTPS only: one year by default with HTTPS=1 (0: not sent).
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Content-Security-Policy (django-csp): scripts, styles and everything else from the site itself; no
# inline script, no eval; style="" attributes are allowed (bars and badges sized by their data), <style>
# elements are not. The map's tile server (MAP_TILE_URL) may serve images.
_TILE_ORIGIN = "{0.scheme}://{0.netloc}".format(urlparse(MAP_TILE_URL)) if MAP_TILE_URL.startswith("http") else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # axes: failures and lockouts are warnings; its INFO lines (every sign-in, every clean-up) are noise.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Daily briefing delivery (cases.delivery / cases.tasks) -----------------------------------
# A delivery a worker claimed ('sending') and did not finish within this many seconds is taken to be
# abandoned (the worker died mid-send) and may be claimed again. Keep it above the slowest send
# (SMTP EMAIL_TIMEOUT 20 s, robot WEBHOOK_TIMEOUT 10 s).
DELIVERY_LEASE_SECONDS = int(os.environ.get("DELIVERY_LEASE_SECONDS", "120"))
DELIVERY_MAX_RETRIES = int(os.environ.get("DELIVERY_MAX_RETRIES", "5"))
DELIVERY_RETRY_DELAY = int(os.environ.get("DELIVERY_RETRY_DELAY", "60"))  # seconds; doubles per retry, max 30 min
WEBHOOK_TIMEOUT = 10

# --- Reaching a ticket's responsible party (briefing.outreach) ---------------------------------
# Group robots are configured per grid or zone in the admin; the in-app inbox needs nothing. SMS goes
# through SMS_BACKEND: "" (off: none planned), "log" (written to the log only), "aliyun" (dysmsapi
# SendSms) or "tencent" (SMS API 3.0 SendSms). SMS_ENDPOINT overrides the provider's URL (tests point
# it to a local server). SMS_TEMPLATES_FILE: a JSON file {"<event>": {"template": "<code or id>",
# "params": ["number", "deadline", …]}} with the events assigned, rejected, due, overdue, escalated,
# closed, parcel_closed; an event without a template sends no SMS.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "").strip().lower()
SMS_ENDPOINT = os.environ.get("SMS_ENDPOINT", "")
SMS_ACCESS_KEY_ID = os.environ.get("SMS_ACCESS_KEY_ID", "")  # Aliyun AccessKeyId / Tencent SecretId
SMS_ACCESS_KEY_SECRET = os.environ.get("SMS_ACCESS_KEY_SECRET", "")  # Aliyun AccessKeySecret / Tencent SecretKey
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
SMS_SDK_APP_ID = os.environ.get("SMS_SDK_APP_ID", "")  # Tencent only
SMS_REGION = os.environ.get("SMS_REGION", "")  # Tencent: ap-guangzhou; Aliyun: cn-hangzhou (the defaults)
SMS_TEMPLATES_FILE = os.environ.get("SMS_TEMPLATES_FILE", "")
SMS_TEMPLATES = {}  # or set here as a dict; SMS_TEMPLATES_FILE, when set, is read instead
SMS_TIMEOUT = 10
# The periodic sweep re-plans the events of this many past hours (and requeues messages never picked up).
OUTREACH_SWEEP_HOURS = int(os.environ.get("OUTREACH_SWEEP_HOURS", "24"))
# The worker tests start `celery worker -Q <name>` and send there; everything else uses Celery's default.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
# Redis redelivers a dead worker's unacknowledged task after visibility_timeout (3600 s above). The
# worker-kill test shortens it (and sweeps every second); leave it unset in production.
if REDIS_URL and os.environ.get("CELERY_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        visibility_timeout=int(os.environ["CELERY_VISIBILITY_TIMEOUT"]),
        unacked_restore_interval=1,
        unacked_restore_throttle=1,
    )

# --- Pages: the red/green map (cases.views.dashboard) ------------------------------------------
# Shown with the tile layer when MAP_TILE_URL is set (e.g. "© 天地图" for an intranet tile server).
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")

# --- Metrics (core.metrics) ---------------------------------------------------------------------
# /metrics answers requests from METRICS_ALLOWED_IPS (addresses or networks; through a proxy both hops
# must be allowed) or with "Authorization: Bearer <METRICS_TOKEN>". Under gunicorn with several workers
# set PROMETHEUS_MULTIPROC_DIR (an environment variable read by prometheus_client; deploy/).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
