"""Every setting of the platform, read once from the environment (prefix ``NT24_``).

Workflow code never reads these: whatever a workflow needs (intervals, deadlines, retry
schedules) is copied into its input by the code that starts it, so a dev stack can run a
"day" in seconds by changing a setting, and a replay never depends on the environment.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflows.orders.rules.cash_limits import CASH_LIMITS, CashLimit
from workflows.payments.rules.dunning import PAYMENT_TERMS_DAYS, DunningOffsets

if TYPE_CHECKING:
    from workflows.orders.rules.compliance import Policy

PROJECT_ROOT = Path(__file__).resolve().parent
# The identity provider sandbox's callback key (sandboxes/idenfy.py signs with it unless told
# another): the default in development, refused in production
SANDBOX_CALLBACK_SIGNING_KEY = "sandbox-callback-signing-key"


# The provider sandboxes' paths on the dev stack's sandbox port (sandboxes/app.py)
_SANDBOX_PATHS = {
    "vies_base_url": "vies",
    "credit_bureau_base_url": "credit-bureau",
    "idenfy_base_url": "idenfy",
    "idenfy_aml_base_url": "idenfy-aml",
}


class RateLimits(BaseModel):
    """Requests a minute an organization may make in each NT24 rate-limit category."""

    read: int = Field(gt=0)
    write: int = Field(gt=0)
    webhook: int = Field(gt=0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NT24_", env_file=".env", extra="ignore")

    environment: str = Field("dev", description="dev, test or production")
    data_dir: Path = PROJECT_ROOT / "data"

    # The application database. SQLite is the embedded default; PostgreSQL in production.
    database_url: str = ""

    # Temporal
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "nt24"
    temporal_ui_url: str = "http://127.0.0.1:8233"
    # How long an API command (a workflow Update) may take, waiting for the worker included;
    # past it the answer is 503 with Retry-After, and a retry with the same Idempotency-Key
    # attaches to the same Update (api/shared/temporal_calls.py)
    command_deadline: timedelta = Field(timedelta(seconds=10), gt=timedelta(0))
    # The worker records that it is alive this often; /readyz counts a worker whose last
    # record is older than `worker_stale_after` as gone (api/shared/health.py)
    worker_heartbeat_interval: timedelta = Field(timedelta(seconds=5), gt=timedelta(0))
    worker_stale_after: timedelta = Field(timedelta(seconds=15), gt=timedelta(0))
    # How many workflow runs a worker keeps in memory (Temporal's sticky cache; each open order
    # is one): a run evicted from it is replayed from its history when its next command or
    # timer arrives. README's Benchmark has the memory per open order and the replay's cost.
    workflow_cache_size: int = Field(1000, ge=0)

    # Observability (docs/operations.md). The API's /metrics answers only to
    # `Authorization: Bearer <metrics_token>` (404 while it is empty); the worker serves the
    # Temporal SDK's metrics for Prometheus on `worker_metrics_address` (host:port; off if empty)
    metrics_token: str = ""
    worker_metrics_address: str = ""
    # Traces: "" (off), "console" (printed, for development) or "otlp" (sent to `otlp_endpoint`,
    # e.g. http://jaeger:4318/v1/traces); the service name tells API, worker and admin apart
    tracing_exporter: str = ""
    otlp_endpoint: str = ""
    # Logs: "json" (one object a line) or "console"; empty is json in production, console else
    log_format: str = ""
    # The API's line per request: every write, refusal, error and slow read; a read answered
    # in time (GET or HEAD, below 400) only when this is on (its metrics count it either way)
    log_reads: bool = False

    # HTTP
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    public_base_url: str = "http://127.0.0.1:8000"  # when not set: follows api_port

    # Problem types keep the contract's URIs: integrators key on them.
    problem_base_uri: str = "https://api.novatrade24.com/problems/"

    # NOTYD user tokens (HS256, as the NOTYD v1 contract: access 2 h, refresh 24 h)
    jwt_secret: str = ""
    access_token_ttl: timedelta = timedelta(hours=2)
    refresh_token_ttl: timedelta = timedelta(hours=24)

    # NT24 API clients: OAuth2 client_credentials, RS256 access tokens verified by JWKS.
    # The embedded issuer is the default; point these at an OpenID Connect provider (Keycloak)
    # to use it instead: tokens are then verified against its issuer and JWKS.
    oauth_issuer: str = ""  # default: {public_base_url}/realms/nt24-idp
    oauth_jwks_url: str = ""  # default: the embedded issuer's key, no HTTP round trip
    oauth_private_key_pem: str = ""  # embedded issuer's RSA key; generated into data/ if empty
    oauth_token_ttl: timedelta = timedelta(seconds=300)
    # The audience every access token must name (`aud`): the platform's own by default. An
    # external provider's tokens must carry it too (Keycloak: an audience mapper)
    oauth_audience: str = Field("nt24-api", min_length=1)
    # Clock difference tolerated on `exp`, `nbf` and `iat` of tokens from another issuer
    oauth_clock_leeway: timedelta = Field(timedelta(seconds=10), ge=timedelta(0))
    client_secret_rotation_grace: timedelta = timedelta(hours=48)
    # Guessing credentials (api/shared/login_throttle.py: token endpoints and the web app's login).
    # Failures count per (account, address), per address and per account (not the web app's);
    # past a count's threshold each further failure doubles its wait (429 with Retry-After),
    # from `first_delay` up to `max_delay`. Failures are forgotten `window` after the first.
    login_throttle_pair_failures: int = Field(5, gt=0)
    login_throttle_address_failures: int = Field(20, gt=0)
    login_throttle_account_failures: int = Field(100, gt=0)
    login_throttle_first_delay: timedelta = Field(timedelta(seconds=1), gt=timedelta(0))
    login_throttle_max_delay: timedelta = Field(timedelta(minutes=15), gt=timedelta(0))
    login_throttle_window: timedelta = Field(timedelta(hours=1), gt=timedelta(0))
    # The key webhook signing secrets are encrypted with at rest (store/secrets_box.py):
    # `kid:base64-of-32-bytes`, several separated by commas to rotate (the first encrypts).
    # Generated into data/ outside production when empty; production requires it
    secrets_key: str = ""
    # The keys every Temporal payload is encrypted with (api/shared/payload_codec.py), in the
    # same `kid:base64-of-32-bytes[,...]` form (the first encrypts, every one decrypts).
    # Generated into data/ outside production when empty; production requires it
    payload_keys: str = ""
    # Payloads of 1 KiB or more are compressed before they are encrypted. A process of a
    # version before compression cannot read them: turn it off while such processes still run
    # beside this one (a rolling upgrade), on once they are gone. Either way every payload reads.
    payload_compression: bool = True
    # The codec server at /codec (api/shared/codec_server.py) that decodes payloads for the Temporal
    # UI answers only to `Authorization: Bearer <codec_token>`; while it is empty it answers
    # everyone outside production (the dev stack's UI) and no one in production. The UI
    # origins it allows (CORS); empty: the origin of `temporal_ui_url`
    codec_token: str = ""
    codec_cors_origins: list[str] = []
    # The DPA version an organization must have accepted to use the API
    dpa_current_version: str = "2026-01"

    # NT24 rate limits per organization and tier (api/shared/rate_limit.py): requests per fixed,
    # clock-aligned minute, the whole limit usable at any pace within it.
    # Env values are JSON: NT24_RATE_LIMITS_ENTERPRISE='{"read":5000,"write":900,"webhook":50}'
    rate_limits_standard: RateLimits = RateLimits(read=300, write=60, webhook=10)
    rate_limits_high_volume: RateLimits = RateLimits(read=1000, write=200, webhook=30)
    rate_limits_enterprise: RateLimits = RateLimits(read=3000, write=600, webhook=100)
    # Where the rate-limit minutes are counted (the `limits` library's fixed-window counters):
    # `memory://` in the API process (one API process: the embedded default), or a Redis URL
    # (`redis://host:6379/0`) that every API process shares. With Redis, the authenticated
    # principals' cache is also dropped across processes when a client or organization changes.
    rate_limit_storage: str = "memory://"
    # How long a verified access token's principal (client, organization, partners) is reused
    # without reading the database, at most until the token expires; changes to API clients,
    # organizations and partners drop it within a second in every API process, at once in the
    # one that made them (api/nt24/identity/principal_cache.py)
    auth_cache_ttl: timedelta = Field(timedelta(seconds=300), ge=timedelta(0))
    # Idempotency-Key (api/shared/idempotency.py): how long a duplicate waits for the first request
    # to
    # finish, and after how long an unfinished first request counts as lost (its process died)
    idempotency_wait: timedelta = timedelta(seconds=30)
    idempotency_abandoned_after: timedelta = timedelta(minutes=2)

    # The largest amount a request may carry, in minor units (cents), on both API families:
    # NT24 Money `value` and every NOTYD amount (api/shared/input_limits.py). One billion EUR by
    # default; at most 2**63 - 1, what the database's amount columns hold.
    max_money_minor_units: int = Field(100_000_000_000, gt=0, le=2**63 - 1)

    # Orders: the daily VIES re-check from ready-for-pickup until delivery, and time budgets
    vies_recheck_interval: timedelta = timedelta(hours=24)
    order_abandoned_after: timedelta = timedelta(hours=1)
    order_max_history_events: int | None = None  # None: continue-as-new when Temporal says
    vies_attempt_margin: timedelta = timedelta(seconds=10)
    activity_timeout: timedelta = timedelta(seconds=30)
    export_file_timeout: timedelta = timedelta(minutes=2)
    # Processes beside each worker that render and sign Export Files, so that their CPU does
    # not hold the worker's event loop; 0 renders in a thread of the worker
    # (activities/orders/export_file_render.py)
    export_file_processes: int = Field(1, ge=0, le=16)

    # Provider sandboxes (sandboxes/app.py), served by the dev stack on this port; the
    # sandbox URLs below that are not set follow it
    sandbox_port: int = 8010

    # VIES: the sandbox by default; https://ec.europa.eu/taxation_customs/vies/rest-api is real.
    vies_base_url: str = "http://127.0.0.1:8010/vies"
    vies_http_timeout: timedelta = timedelta(seconds=30)
    # An unavailable VIES is retried with backoff; past give-up the check's result is UNKNOWN.
    vies_retry_initial_interval: timedelta = timedelta(seconds=30)
    vies_retry_max_interval: timedelta = timedelta(minutes=30)
    vies_give_up_after: timedelta = timedelta(hours=12)

    # Payments (NOTYD, docs/payments.md): the credit bureau, the sandbox by default. An
    # unavailable bureau is retried until the give-up; then the order is failed, not rejected.
    credit_bureau_base_url: str = "http://127.0.0.1:8010/credit-bureau"
    credit_bureau_timeout: timedelta = timedelta(seconds=10)
    credit_check_retry_interval: timedelta = timedelta(seconds=2)
    credit_check_give_up_after: timedelta = timedelta(minutes=2)
    # Days the buyer has to pay each invoice (NOTYD's 14, 30 or 60 days). An int checked
    # against the list, not a Literal: a Literal of ints refuses the string "30" that the
    # environment gives
    payment_terms_days: int = 30
    # Commands (Updates) one run of a payment order's workflow takes before it continues as new
    # (Temporal refuses any past 2000 in a run)
    payment_order_updates_per_run: int = Field(1000, ge=1, le=1500)

    # NT24-led KYC (docs/kyc.md): iDenfy identity verification and AML checks. The sandboxes by
    # default; https://ivs.idenfy.com is the real service for both (the same API key pair).
    idenfy_base_url: str = "http://127.0.0.1:8010/idenfy"
    idenfy_aml_base_url: str = "http://127.0.0.1:8010/idenfy-aml"
    idenfy_api_key: str = "sandbox-api-key"
    idenfy_api_secret: str = "sandbox-api-secret"
    # The key iDenfy signs its callbacks with (Idenfy-Signature); set in iDenfy's dashboard
    idenfy_callback_signing_key: str = SANDBOX_CALLBACK_SIGNING_KEY
    idenfy_callback_url: str = ""  # default: {public_base_url}/v1/providers/idenfy/callback
    idenfy_http_timeout: timedelta = timedelta(seconds=15)
    # POST .../kyc/verify waits this long for a session before answering 503
    idenfy_session_budget: timedelta = timedelta(seconds=20)
    # How long the buyer has to finish the identity session; an expired one can be restarted
    kyc_session_deadline: timedelta = timedelta(hours=24)
    # AML match scores (0-100): at or above `flag` FLAGGED, at or above `review` a staff review
    kyc_aml_review_score: int = Field(70, ge=0, le=100)
    kyc_aml_flag_score: int = Field(90, ge=0, le=100)
    # An unavailable AML provider is retried this long, then staff review the buyer
    kyc_aml_give_up_after: timedelta = timedelta(hours=12)
    # A verified profile is valid this long; `kyc.verification_expiring` fires this much before
    kyc_profile_valid_for: timedelta = timedelta(days=365)
    kyc_profile_expiry_notice: timedelta = timedelta(days=30)
    # The KYC profile PDF's PAdES signature: PEM text or a file path for each; generated
    # self-signed into data/ outside production when empty
    kyc_signing_certificate: str = ""
    kyc_signing_key: str = ""
    # The Export File is signed with the same certificate and key (the platform's); with an
    # RFC 3161 time-stamping authority here its signature also carries a timestamp (PAdES
    # B-T). The dev stack's sandboxes serve a test TSA at http://127.0.0.1:8010/tsa
    tsa_url: str = ""

    # Outgoing e-mail (activities/email.py): the dev stack's mail catcher by default
    # (sandboxes/mail.py, docs/sandboxes.md); point these at a real SMTP relay in production.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout: timedelta = timedelta(seconds=30)
    mail_from: str = "NT24 <no-reply@nt24.localhost>"
    # where the dev stack's mail catcher takes SMTP; smtp_port follows it unless it or
    # smtp_host is set
    mail_catcher_port: int = 1025

    # Self-service invitations (docs/kyc.md): their default and longest time to live, and the
    # key their links are derived from, as the hosted payment page's are (store/link_tokens.py;
    # generated into data/ if empty; required in production)
    invitation_ttl: timedelta = timedelta(days=7)
    invitation_max_ttl: timedelta = timedelta(days=30)
    invitation_link_secret: str = ""

    # Cash payments above these limits block an order (AML). Env value is JSON, e.g.
    # NT24_CASH_LIMITS='[{"jurisdiction":"FR","max_cash":{"value":100000},\
    #                    "valid_from":"2015-09-01"}]'
    cash_limits: list[CashLimit] = Field(default_factory=lambda: list(CASH_LIMITS))
    # Rule sets 2026.11 and 2026.12 only: without a VIES answer at or before the pickup date,
    # the first within this many days after it counted. From 2026.12.1 no answer after the
    # supply counts, whatever this says (docs/compliance-rules.md)
    vies_after_supply_days: int = Field(default=2, ge=0, le=14)
    # A decided order's workflow stays open for later commands (regenerate-export, final
    # invoice, late documents, re-decision) this long after its last change
    order_retention: timedelta = timedelta(days=3653)
    # Transport evidence is due this many days after the VAT on the supply became chargeable
    # (the 15th of the month after it); later, the order is decided VAT_APPLICABLE
    transport_evidence_grace_days: int = Field(default=30, ge=0, le=366)

    # Documents: bytes in a content-addressed store on disk, metadata in the database
    document_store_dir: Path | None = None  # default: data_dir / "documents"
    max_upload_bytes: int = Field(20 * 1024 * 1024, gt=0)
    max_pdf_pages: int = Field(200, gt=0)

    # Webhooks (docs/webhooks.md). The retry schedule is the contract's: offsets from an
    # event's first failed attempt, one per attempt, the first attempt (made at once) standing
    # in for the first offset: as many attempts in all as offsets, the last at the last offset.
    # Each retry lands up to `webhook_retry_jitter` (a fraction of its offset) later, never
    # earlier. Env values are JSON: NT24_WEBHOOK_RETRY_SCHEDULE='["PT1S","PT5S"]' (two
    # attempts: the first, and a retry 5 s after it failed)
    webhook_retry_schedule: list[timedelta] = Field(
        default=[
            timedelta(minutes=1),
            timedelta(minutes=5),
            timedelta(minutes=15),
            timedelta(hours=1),
            timedelta(hours=4),
            timedelta(hours=8),
            timedelta(hours=16),
            timedelta(hours=24),
            timedelta(hours=36),
            timedelta(hours=48),
        ],
        min_length=1,
    )
    webhook_retry_jitter: float = Field(0.05, ge=0, le=0.5)
    webhook_timeout: timedelta = timedelta(seconds=15)  # no answer within it is a failure
    # An attempt's activity may take the receiver's time plus this (database work); a worker
    # that dies mid-attempt is noticed when it runs out, and another worker retries
    webhook_attempt_margin: timedelta = timedelta(seconds=15)
    # An endpoint failing this many times in a row, or for this long, is paused
    webhook_auto_pause_failures: int = Field(20, gt=0)
    webhook_auto_pause_after: timedelta = timedelta(hours=72)
    # The safety net: fan out events whose kick was lost, restart stalled deliveries, purge
    webhook_sweep_interval: timedelta = timedelta(minutes=1)
    webhook_history_retention: timedelta = timedelta(days=30)
    # https only, but for loopback receivers outside production; this allows any http URL
    webhook_allow_http: bool = False

    # Dunning and incoming money (docs/payments-dunning.md). Each letter's offset from the
    # invoice's due date; env value is JSON, e.g. NT24_DUNNING_OFFSETS='{"reminder_1":"P10D"}'
    dunning_offsets: DunningOffsets = DunningOffsets()
    # Payment plans: instalments this far apart; one unpaid this long after its date breaks
    # the plan and dunning carries on
    payment_plan_interval: timedelta = timedelta(days=30)
    payment_plan_grace: timedelta = timedelta(days=7)
    # The account buyers pay to: printed on invoices and letters; its camt.053 statements are
    # what staff import
    payments_account_holder: str = "NT24 Payments GmbH"
    payments_iban: str = "DE89370400440532013000"
    payments_bic: str = "COBADEFFXXX"
    # Who the buyer deals with, on the payment page, the invoice e-mail and every letter: the
    # platform's legal entity (the seller's name is printed beside it), its address, where
    # buyers write with questions, and the privacy notice the payment page links to (empty:
    # the platform's own short notice at {public_base_url}/pay/privacy)
    platform_legal_name: str = "NT24 Payments GmbH"
    platform_legal_address: str = "Friedrichstraße 100, 10117 Berlin, Germany"
    buyer_contact_email: str = "payments@nt24.localhost"
    privacy_notice_url: str = ""
    # The payout run (a Temporal Schedule) passing what buyers paid on to the sellers
    payout_interval: timedelta = timedelta(days=1)

    # The web app (/app, docs/web-app.md): server-side sessions, and wrong passwords slowed down
    web_session_ttl: timedelta = timedelta(hours=8)  # idle time after which one logs in again
    # however active, a session ends this long after its login (docs/security.md)
    web_session_absolute_ttl: timedelta = Field(timedelta(hours=12), gt=timedelta(0))

    @field_validator("payment_terms_days")
    @classmethod
    def _known_payment_terms(cls, days: int) -> int:
        if days not in PAYMENT_TERMS_DAYS:
            raise ValueError(f"must be one of {', '.join(map(str, PAYMENT_TERMS_DAYS))} days")
        return days

    @model_validator(mode="after")
    def _addresses_follow_their_ports(self) -> Settings:
        """The addresses left at their defaults follow the ports that were moved: a dev stack
        started beside another one (`NT24_API_PORT`, `NT24_SANDBOX_PORT`,
        `NT24_MAIL_CATCHER_PORT`) calls its own sandboxes and names its own API, not the
        other stack's. An address that is set is kept."""
        given = self.model_fields_set
        for name, path in _SANDBOX_PATHS.items():
            if name not in given:
                setattr(self, name, f"http://127.0.0.1:{self.sandbox_port}/{path}")
        if "public_base_url" not in given:
            self.public_base_url = f"http://127.0.0.1:{self.api_port}"
        if "smtp_port" not in given and "smtp_host" not in given:
            self.smtp_port = self.mail_catcher_port
        return self

    @property
    def compliance_policy(self) -> Policy:
        """The compliance policy a new order is created with (and keeps): the cash limits and
        deadlines of these settings, the code's defaults for the rest."""
        from workflows.orders.rules.compliance import Policy

        return Policy(
            cash_limits=tuple(self.cash_limits),
            vies_after_supply_days=self.vies_after_supply_days,
            evidence_grace_days=self.transport_evidence_grace_days,
        )

    @property
    def web_secure_cookies(self) -> bool:
        """Session cookies are ``Secure`` everywhere but the dev stack and tests (plain http)."""
        return self.environment not in ("dev", "test")

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'nt24.db'}"

    @property
    def effective_document_store_dir(self) -> Path:
        return self.document_store_dir or self.data_dir / "documents"

    @property
    def effective_idenfy_callback_url(self) -> str:
        return (
            self.idenfy_callback_url
            or f"{self.public_base_url.rstrip('/')}/v1/providers/idenfy/callback"
        )

    @property
    def effective_privacy_notice_url(self) -> str:
        return self.privacy_notice_url or f"{self.public_base_url.rstrip('/')}/pay/privacy"

    @property
    def effective_oauth_issuer(self) -> str:
        return self.oauth_issuer or f"{self.public_base_url.rstrip('/')}/realms/nt24-idp"

    @property
    def effective_jwt_secret(self) -> str:
        """The signing key: a setting in production, a generated per-install file elsewhere."""
        if self.jwt_secret:
            return self.jwt_secret
        if self.environment == "production":
            raise RuntimeError("NT24_JWT_SECRET must be set in production")
        return _local_secret(self.data_dir / "jwt-secret")

    @property
    def effective_invitation_link_secret(self) -> str:
        """The key self-service and payment page links are derived from; changing it voids
        every open link."""
        if self.invitation_link_secret:
            return self.invitation_link_secret
        if self.environment == "production":
            raise RuntimeError("NT24_INVITATION_LINK_SECRET must be set in production")
        return _local_secret(self.data_dir / "invitation-link-secret")

    @property
    def effective_secrets_key(self) -> str:
        """The at-rest encryption keys: a setting in production, a generated file elsewhere."""
        if self.secrets_key:
            return self.secrets_key
        if self.environment == "production":
            raise RuntimeError("NT24_SECRETS_KEY must be set in production")
        return _local_secret(self.data_dir / "secrets-key", _local_key_setting)

    @property
    def effective_payload_keys(self) -> str:
        """The Temporal payload keys: a setting in production, a generated file elsewhere."""
        if self.payload_keys:
            return self.payload_keys
        if self.environment == "production":
            raise RuntimeError("NT24_PAYLOAD_KEYS must be set in production")
        return _local_secret(self.data_dir / "payload-keys", _local_key_setting)

    def missing_production_secrets(self) -> list[str]:
        """The settings production needs that are not set: every authenticated request (or
        the worker's signing of KYC profiles) would fail without them. Empty elsewhere, where
        the missing ones are generated into ``data/``."""
        if self.environment != "production":
            return []
        required = {
            "NT24_JWT_SECRET": self.jwt_secret,  # NOTYD user tokens, web sessions
            "NT24_INVITATION_LINK_SECRET": self.invitation_link_secret,  # self-service, pay links
            "NT24_KYC_SIGNING_CERTIFICATE": self.kyc_signing_certificate,  # KYC profile PDFs
            "NT24_KYC_SIGNING_KEY": self.kyc_signing_key,
            "NT24_SECRETS_KEY": self.secrets_key,  # webhook signing secrets at rest
            "NT24_PAYLOAD_KEYS": self.payload_keys,  # Temporal payloads (personal data)
        }
        if not self.oauth_jwks_url:  # the embedded issuer signs and verifies API client tokens
            required["NT24_OAUTH_PRIVATE_KEY_PEM"] = self.oauth_private_key_pem
        # iDenfy's verification results are trusted by this key's signature: its default is the
        # sandbox's, public in this repository, with which anyone could sign a verified result
        callback_key = self.idenfy_callback_signing_key
        required["NT24_IDENFY_CALLBACK_SIGNING_KEY"] = (
            "" if callback_key == SANDBOX_CALLBACK_SIGNING_KEY else callback_key
        )
        return [name for name, value in required.items() if not value.strip()]

    def require_production_secrets(self) -> None:
        """Refuse to start a production process that lacks a required secret, naming each."""
        missing = self.missing_production_secrets()
        if missing:
            raise MissingSecrets(missing)


class MissingSecrets(RuntimeError):
    """A production configuration without secrets it needs; the process must not start."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(
            "NT24_ENVIRONMENT=production requires these settings, which are not set: "
            + ", ".join(names)
        )


def _local_secret(path: Path, make: Callable[[], str] | None = None) -> str:
    """A secret generated into the data folder on first use (dev and tests only)."""
    import secrets

    if not path.exists():
        # Processes started together (an API and a worker) must end up with one secret: each
        # writes its own to a temporary file and links it into place, which only the first
        # link does; the others read the winner's.
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        draft.write_text(make() if make else secrets.token_urlsafe(48))
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def new_key_setting(kid: str) -> str:
    """A fresh ``kid:base64key`` for NT24_SECRETS_KEY or NT24_PAYLOAD_KEYS (32-byte AES key)."""
    return f"{kid}:{base64.b64encode(os.urandom(32)).decode()}"


def _local_key_setting() -> str:
    return new_key_setting("local-" + os.urandom(4).hex())


@lru_cache
def get_settings() -> Settings:
    return Settings()
