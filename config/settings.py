"""Settings, driven by environment variables (12-factor).

DATABASE_URL  unset -> SQLite file db.sqlite3 (the embedded default for `make run`)
REDIS_URL     unset -> local-memory cache; set -> Redis cache (and Celery broker later)
SECRET_KEY, DEBUG, ALLOWED_HOSTS as usual.
"""
import os
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    "dev-only-insecure-key-change-me" if DEBUG or os.environ.get("ZW_DEV") else None
)
if not SECRET_KEY:
    # Refuse to start a production process without a real key.
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY 未设置：生产环境必须通过环境变量提供 SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "captcha",
    "kernel.core",
    "kernel.org",
    "kernel.accounts",
    "kernel.audit",
    "kernel.dicts",
    "kernel.exports",
    "kernel.calendar",
    "kernel.workflow",
    "kernel.files",
    "kernel.interfaces",
    "kernel.alerts",
    "kernel.todos",
    "kernel.notify",
    # business domains
    "domains.special_equipment.equipment",
    "domains.special_equipment.hazards",
    "domains.labor.monitoring",
    "domains.labor.inspection",
    "domains.gov_services.one_window",
    "domains.gov_services.exchange",
    "domains.gov_services.citizen",
    "domains.si_fee.rules",
    "domains.si_fee.payers",
    "domains.si_fee.payments",
    "domains.si_fee.refunds",
    "domains.si_fee.agreements",
    "domains.si_fee.notices",
    "domains.ops.contracts",
    "domains.ops.tickets",
    "domains.ops.changes",
    "domains.ops.inspections",
    "domains.ops.monitoring",
    "domains.ops.training",
    "domains.ops.reports",
    "integrations.sms",
    "integrations.department_sim",
    "integrations.tips_pay",
    "integrations.city_node",
    "kernel.ui",
]

# Test-only models (tests/testapp) exercise kernel engines without a business domain.
TESTING = "pytest" in sys.modules
if TESTING:
    INSTALLED_APPS.append("tests.testapp")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kernel.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kernel.accounts.middleware.SessionTouchMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kernel.core.middleware.CurrentUserMiddleware",
    "kernel.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "kernel.ui.context_processors.shell",
            ],
        },
    },
]

# Form widgets render through Jinja2 (Django ships its widget templates for it): several times
# faster than the Django template engine for selects with many options, same HTML.
FORM_RENDERER = "django.forms.renderers.Jinja2"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are a PostgreSQL feature; on SQLite the index is built without them.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["kernel.accounts.backends.RoleBackend"]

REDIS_URL = os.environ.get("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_PREFIX", "zw"),
        }
    }
    # Sessions live in Redis too (they expire there by TTL).
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "kernel.accounts.validators.StrengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "kernel.accounts.validators.NotSimilarToUsernameValidator"},
]
# Login policy (kernel/accounts): lockout after N failures for M minutes.
LOGIN_MAX_FAILURES = 5
LOGIN_LOCKOUT_MINUTES = 15
# Session timeout: idle sessions end after this many seconds (sliding window, refreshed at most
# once a minute by kernel.accounts.middleware.SessionTouchMiddleware instead of on every request).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_TIMEOUT_SECONDS", str(30 * 60)))
# Reverse proxies in front of the application (nginx: 1) whose X-Forwarded-For entries are trusted:
# client addresses for audit rows, API allow-lists and the public forms' rate limits.
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
SESSION_TOUCH_SECONDS = 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LOGIN_URL = "/gov/login/"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "kernel.interfaces.auth.SignatureAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["kernel.accounts.permissions.ModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "政务平台开放接口",
    "DESCRIPTION": "广西政务一体化业务平台的开放接口。所有接口按调用者的管辖范围返回数据；机器对接须签名"
                   "（见“接口对接说明”）。字段错误以中文逐字段返回。",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # choice sets whose field names other components use too
    "ENUM_NAME_OVERRIDES": {
        "OpsTicketKindEnum": "domains.ops.contracts.models.SlaTerm.Kind",
        "OpsTicketStatusEnum": "domains.ops.tickets.workflows.STATUS_CHOICES",
        "OpsTestResultEnum": "domains.ops.tickets.models.TestResult",
    },
}

# Background work (SMS sending, scans, interface retries): Celery with a broker when configured,
# otherwise the same task functions run in-process when the transaction commits.
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
# In-process mode still names a broker: without one kombu warns that it falls back to localhost.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_BEAT_SCHEDULE = {
    "sms-outbox": {"task": "notify.process_outbox", "schedule": 30.0},
    "sms-receipts": {"task": "notify.poll_sms_receipts", "schedule": 60.0},
    "alert-scans": {"task": "alerts.scan_all", "schedule": 600.0},
    # one-window exchange: re-send unacknowledged dispatches, take in callbacks whose notification was lost
    "gs-exchange-scan": {"task": "gs_exchange.scan", "schedule": 300.0},
    # the O&M node: collect, check applications, summarise and purge samples, report upward when due
    "ops-monitoring-tick": {"task": "ops_monitoring.tick", "schedule": 60.0},
    # O&M inspections whose checklist is due (daily / weekly / monthly) run their probes
    "ops-inspections": {"task": "ops_inspections.run_due", "schedule": 600.0},
}
# Once a day at 08:00 Beijing time (reminders people should get in office hours); run_scheduler runs
# them at its first round of each day.
DAILY_TASKS = ["labor.guarantee_reminders", "si_agree.batch_deduct", "si_pay.reconcile"]
# Beside the warning scans, every scan round of run_scheduler (Celery beat runs them on their own schedule).
ROUND_TASKS = ["gs_exchange.scan", "ops_monitoring.tick", "ops_inspections.run_due"]
CELERY_BEAT_SCHEDULE.update({f"daily-{name}": {"task": name, "schedule": crontab(hour=8, minute=0)}
                             for name in DAILY_TASKS})

# SMS: SMS_GATEWAY_URL points the HTTP adapter (integrations/sms) at the operator's SMS platform;
# unset, it talks to the local simulator in-process (integrations/sms/simulator), as demo and tests do.
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_SECRET = os.environ.get("SMS_GATEWAY_SECRET") or ("" if SMS_GATEWAY_URL else "simulator-secret")
if SMS_GATEWAY_URL and not SMS_GATEWAY_SECRET:  # a real platform never shares the simulator's public secret
    raise ImproperlyConfigured("已配置 SMS_GATEWAY_URL，必须同时通过环境变量提供 SMS_GATEWAY_SECRET")
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "广西政务")
SMS_RATE_LIMITS = [(3600, 5), (86400, 20)]  # per phone: at most 5 an hour, 20 a day
SMS_MAX_ATTEMPTS = 6
SMS_RETRY_SECONDS = [60, 300, 900, 3600, 3 * 3600]
# Payment gateway of the social-insurance-fee service (integrations/tips_pay, PROTOCOL.md): PAY_GATEWAY_URL
# points the adapter at the bank/TIPS collection gateway; unset, the local simulator (/integrations/pay-sim/)
# stands in, called in-process. PAY_PUBLIC_URL is where the gateway reaches our callback (empty: the request's host).
PAY_GATEWAY_URL = os.environ.get("PAY_GATEWAY_URL", "")
PAY_GATEWAY_SECRET = os.environ.get("PAY_GATEWAY_SECRET") or ("" if PAY_GATEWAY_URL else "pay-simulator-secret")
if PAY_GATEWAY_URL and not PAY_GATEWAY_SECRET:  # else anyone could sign a "paid" callback with the public default
    raise ImproperlyConfigured("已配置 PAY_GATEWAY_URL，必须同时通过环境变量提供 PAY_GATEWAY_SECRET")
PAY_MERCHANT_ID = os.environ.get("PAY_MERCHANT_ID", "GXTAX-SI-0001")
PAY_PUBLIC_URL = os.environ.get("PAY_PUBLIC_URL", "")

# Machine clients' signed requests (kernel/interfaces): secrets are encrypted with a key derived from
# API_SECRET_KEY (falls back to SECRET_KEY); requests older than the tolerance are refused.
API_SECRET_KEY = os.environ.get("API_SECRET_KEY", "")
API_SIGNATURE_TOLERANCE = int(os.environ.get("API_SIGNATURE_TOLERANCE", "300"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
