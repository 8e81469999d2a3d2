"""Settings read from the environment — the one place that knows every variable (DESIGN.md §4)."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_BYTES = 32
# placeholders seen in examples and tutorials: a production secret containing one is a default, not a secret
_PLACEHOLDERS = (
    "changeme",
    "change-me",
    "change_me",
    "secret",
    "password",
    "example",
    "placeholder",
    "lianxin",
    "random-string",
    "random_string",
    "please",
    "your-",
    "your_",
)
_DEFAULT_PASSWORDS = {"lianxin", "postgres", "password", "changeme", "secret", "redis", "admin"}


class ConfigError(RuntimeError):
    """A setting that makes the process unable to serve; the message is one line for the operator."""


def _secret_problem(secret: str | None) -> str | None:
    if not secret:
        return "LIANXIN_JWT_SECRET is not set"
    lowered = secret.lower()
    if len(secret.encode()) < MIN_SECRET_BYTES:
        return f"LIANXIN_JWT_SECRET is shorter than {MIN_SECRET_BYTES} bytes"
    if len(set(secret)) < 10 or any(word in lowered for word in _PLACEHOLDERS):
        return "LIANXIN_JWT_SECRET is a placeholder or has too few distinct characters"
    return None


def _url_password_problem(name: str, url: str | None, *, required: bool) -> str | None:
    if not url:
        return f"{name} is not set"
    parts = urlsplit(url)
    password = unquote(parts.password or "")
    if not password:
        return f"{name} carries no password" if required else None
    if password.lower() in _DEFAULT_PASSWORDS:
        return f"{name} uses a default password"
    return None


class Settings(BaseSettings):
    """Everything configurable; field names map to the environment variables in `ENV_VARS`."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    host: str = Field(default="127.0.0.1", validation_alias="HOST")
    port: int = Field(default=8000, ge=1, le=65535, validation_alias="PORT")
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    data_dir: Path = Field(default=Path(".lianxin"), validation_alias="LIANXIN_DATA_DIR")
    jwt_secret: str | None = Field(default=None, validation_alias="LIANXIN_JWT_SECRET")
    environment: Literal["development", "production"] = Field(
        default="development", validation_alias=AliasChoices("LIANXIN_ENV")
    )
    timezone: str = Field(default="Asia/Shanghai", validation_alias="LIANXIN_TZ")
    log_level: str = Field(default="INFO", validation_alias="LIANXIN_LOG_LEVEL")
    db_pool_max: int = Field(default=10, ge=1, le=200, validation_alias="LIANXIN_DB_POOL_MAX")
    # Worker: a job running longer than this is presumed dead and retried by another worker.
    job_timeout: int = Field(default=120, ge=2, le=3600, validation_alias="LIANXIN_JOB_TIMEOUT")
    # A re-matching run works in slices of this many seconds, each a short arq job.
    run_slice_seconds: float = Field(default=20.0, gt=0, le=600, validation_alias="LIANXIN_RUN_SLICE_SECONDS")
    # households per partition of a run (re-matching, aid batch, simulation; lianxin.run)
    match_chunk_size: int = Field(default=10_000, ge=1, le=20000, validation_alias="LIANXIN_MATCH_CHUNK")
    # Events (issue 5): how often subscribers poll besides LISTEN/NOTIFY, websocket keep-alive pings
    # (0 = off), how long the event log is kept.
    event_poll_seconds: float = Field(default=1.0, gt=0, le=60, validation_alias="LIANXIN_EVENT_POLL_SECONDS")
    ws_ping_seconds: float = Field(default=15.0, ge=0, le=600, validation_alias="LIANXIN_WS_PING_SECONDS")
    # An open websocket re-checks its credential (API key not revoked, JWT not expired) this often, and at
    # every `subscribe`; a socket whose credential no longer holds is closed with 4403.
    ws_auth_recheck_seconds: float = Field(
        default=30.0, gt=0, le=3600, validation_alias="LIANXIN_WS_AUTH_RECHECK_SECONDS"
    )
    # messages a websocket may have waiting to be sent before it is closed (1013) to resume by cursor
    ws_send_queue: int = Field(default=1000, ge=1, le=100_000, validation_alias="LIANXIN_WS_SEND_QUEUE")
    event_retention_days: int = Field(
        default=90, ge=1, le=3650, validation_alias="LIANXIN_EVENT_RETENTION_DAYS"
    )
    # Webhooks: seconds to wait for a receiver; retry for at least this many hours before dead-lettering.
    webhook_timeout: float = Field(default=10.0, gt=0, le=60, validation_alias="LIANXIN_WEBHOOK_TIMEOUT")
    webhook_retry_hours: float = Field(
        default=25.0, ge=24, le=720, validation_alias="LIANXIN_WEBHOOK_RETRY_HOURS"
    )
    # development only: let webhooks go to loopback and private networks (never link-local/metadata)
    webhook_allow_private_targets: bool = Field(
        default=False, validation_alias="LIANXIN_WEBHOOK_ALLOW_PRIVATE_TARGETS"
    )
    # E-mail to contact persons (none sent while LIANXIN_SMTP_HOST is unset).
    smtp_host: str | None = Field(default=None, validation_alias="LIANXIN_SMTP_HOST")
    smtp_port: int = Field(default=25, ge=1, le=65535, validation_alias="LIANXIN_SMTP_PORT")
    smtp_from: str = Field(
        default="lianxin@localhost", pattern=r"^[^@\s]+@[^@\s]+$", validation_alias="LIANXIN_SMTP_FROM"
    )
    smtp_starttls: bool = Field(default=False, validation_alias="LIANXIN_SMTP_STARTTLS")
    smtp_username: str | None = Field(default=None, validation_alias="LIANXIN_SMTP_USERNAME")
    smtp_password: str | None = Field(default=None, validation_alias="LIANXIN_SMTP_PASSWORD")
    # Casework: survey-visit rounds due per household per year (入户调研), and how many months a
    # household's income must stay above the RELATIVE threshold before leaving hardship is suggested.
    visits_per_year: int = Field(default=3, ge=1, le=12, validation_alias="LIANXIN_VISITS_PER_YEAR")
    out_of_hardship_months: int = Field(
        default=6, ge=1, le=60, validation_alias="LIANXIN_OUT_OF_HARDSHIP_MONTHS"
    )
    # Reminders (worker cron, hourly): raised this many days before the quarter's end (condolence money
    # unpaid), the survey-visit round's end (visit not made) and a festival (sponsors' visits).
    reminder_condolence_lead_days: int = Field(
        default=15, ge=0, le=92, validation_alias="LIANXIN_REMINDER_CONDOLENCE_LEAD_DAYS"
    )
    reminder_visit_lead_days: int = Field(
        default=30, ge=0, le=366, validation_alias="LIANXIN_REMINDER_VISIT_LEAD_DAYS"
    )
    reminder_festival_lead_days: int = Field(
        default=10, ge=0, le=90, validation_alias="LIANXIN_REMINDER_FESTIVAL_LEAD_DAYS"
    )
    # abuse limits (DESIGN.md §7): requests per minute per caller (per client IP when anonymous)
    rate_limit_per_minute: int = Field(
        default=300, ge=1, le=10_000_000, validation_alias="LIANXIN_RATE_LIMIT_PER_MINUTE"
    )
    max_body_bytes: int = Field(
        default=1 << 20, ge=1024, le=64 << 20, validation_alias="LIANXIN_MAX_BODY_BYTES"
    )
    # proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed; none by default
    trusted_proxies: str = Field(default="", validation_alias="LIANXIN_TRUSTED_PROXIES")
    # multipart/form-data bodies (GraphQL file uploads: the ledger workbook) may be this large instead
    max_upload_bytes: int = Field(
        default=20 << 20, ge=1024, le=256 << 20, validation_alias="LIANXIN_MAX_UPLOAD_BYTES"
    )
    # an imported ledger workbook may unpack to this much (all zip members together); more is refused
    # before parsing (WORKBOOK_TOO_LARGE), as are zip bombs (high ratios), huge rows and string tables
    workbook_max_unpacked_bytes: int = Field(
        default=64 << 20, ge=64 << 10, le=1 << 30, validation_alias="LIANXIN_WORKBOOK_MAX_UNPACKED_BYTES"
    )
    # printed on contact cards (连心牌); the unions' service line is 12351 nationwide, empty: none
    union_hotline: str = Field(
        default="12351", pattern=r"^[0-9+() -]{0,20}$", validation_alias="LIANXIN_UNION_HOTLINE"
    )
    # None: on in development, off in production (schema.graphql serves frontend teams)
    introspection: bool | None = Field(default=None, validation_alias="LIANXIN_INTROSPECTION")
    aid_max_yuan: str = Field(default="", max_length=2000, validation_alias="LIANXIN_AID_MAX_YUAN")
    # browser origins allowed to call the API (comma-separated, e.g. https://app.example.org); empty: any
    # http://localhost:* / http://127.0.0.1:* in development, none in production
    cors_origins: str = Field(default="", max_length=4000, validation_alias="LIANXIN_CORS_ORIGINS")
    # automatic persisted queries (Apollo protocol): "apq" registers any document a caller sends with its
    # hash, "allowlist" runs only documents registered with `lianxin persisted-queries add`, "off" none
    persisted_queries: Literal["off", "apq", "allowlist"] = Field(
        default="apq", validation_alias="LIANXIN_PERSISTED_QUERIES"
    )
    # how long an APQ-registered document is kept (seconds; 0 = for ever); allow-listed ones never expire
    persisted_query_ttl_seconds: int = Field(
        default=7 * 24 * 3600,
        ge=0,
        le=10 * 365 * 24 * 3600,
        validation_alias="LIANXIN_PERSISTED_QUERY_TTL_SECONDS",
    )

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def introspection_enabled(self) -> bool:
        return not self.is_production if self.introspection is None else self.introspection

    def require_database_url(self) -> str:
        if not self.database_url:
            raise RuntimeError("DATABASE_URL is not set (run `lianxin dev` to use the embedded PostgreSQL)")
        return self.database_url

    def require_redis_url(self) -> str:
        if not self.redis_url:
            raise RuntimeError("REDIS_URL is not set (run `lianxin dev` to use the embedded Redis)")
        return self.redis_url

    def serving_problem(self) -> str | None:
        """Why this process cannot serve safely, as one line; None when it can.

        Production only (development generates a secret and embeds the servers): the JWT secret must be
        at least 32 bytes, not a placeholder; `DATABASE_URL` must be set and, if it carries a password,
        not a default one (none is fine: peer/certificate auth, `PGPASSWORD`, `~/.pgpass`);
        `REDIS_URL` must be set and carry a non-default password (`redis://:PASSWORD@host:6379/0`;
        Redis has no other way to authenticate a client) unless it is a `unix://` socket."""
        if not self.is_production:
            return None
        problem = _secret_problem(self.jwt_secret)
        problem = problem or _url_password_problem("DATABASE_URL", self.database_url, required=False)
        redis_is_socket = (self.redis_url or "").startswith("unix://")
        problem = problem or _url_password_problem("REDIS_URL", self.redis_url, required=not redis_is_socket)
        if problem:
            return f"{problem} (LIANXIN_ENV=production; see README, Deploying)"
        return None

    def check_serving(self) -> None:
        """Raise `ConfigError` (one line) when `serving_problem` finds one."""
        if problem := self.serving_problem():
            raise ConfigError(problem)

    @cached_property
    def signing_secret(self) -> str:
        """The JWT secret: configured, else a random one persisted in the data folder (dev only)."""
        if self.jwt_secret:
            return self.jwt_secret
        if self.is_production:
            raise ConfigError("LIANXIN_JWT_SECRET must be set in production")
        path = self.data_dir / "jwt-secret"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(secret)
        return secret


def env_vars() -> set[str]:
    """Names of every environment variable the settings read (used by the compose-file test)."""
    names: set[str] = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, str):
            names.add(alias)
        elif isinstance(alias, AliasChoices):
            names.update(c for c in alias.choices if isinstance(c, str))
    return names
