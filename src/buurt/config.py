"""Typed settings: the only place environment variables are read (prefix ``BUURT_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from buurt.domain.webhooks import WebhookRules


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BUURT_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///buurt.db", description="SQLAlchemy URL of the store."
    )
    host: str = Field(default="127.0.0.1", description="Address the API listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the API listens on.")
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest request body accepted (413 above)."
    )
    password_profile: Literal["RFC_9106_LOW_MEMORY", "CHEAPEST"] = Field(
        default="RFC_9106_LOW_MEMORY",
        description="argon2 parameters for new password hashes; CHEAPEST is for tests only.",
    )
    idempotency_key_hours: float = Field(
        default=24.0,
        gt=0,
        le=24 * 30,
        description="How long the answer to a create with an Idempotency-Key is remembered; "
        "after that the key may be used for a new request.",
    )
    crash_after_idempotent_commit: bool = Field(
        default=False,
        description="For crash tests only: the process kills itself (SIGKILL) right after "
        "committing a create that carries an Idempotency-Key, before answering it.",
    )
    login_failures: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Failed logins per account and per client address within "
        "BUURT_LOGIN_WINDOW_SECONDS before logins are refused with 429 (ASVS L2: at most 10).",
    )
    login_window_seconds: float = Field(
        default=300.0,
        gt=0,
        le=3600,
        description="The sliding window failed logins are counted in.",
    )
    log_level: str = Field(default="info", description="uvicorn log level.")
    maintenance_interval_seconds: float = Field(
        default=300.0,
        ge=0,
        description="How often `buurt serve` closes due charter proposals and applies "
        "retention; 0 turns the periodic task off.",
    )
    demo_life_seconds: float = Field(
        default=4.0,
        ge=0,
        description="How often `buurt demo` moves its neighbourhood (a thing reports, now and "
        "then a neighbour asks or a shop offers); 0 keeps it still.",
    )
    webhooks_allow_private: bool = Field(
        default=False,
        description="Allow webhook URLs on loopback, private and other non-public addresses.",
    )
    webhooks_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Attempts per webhook delivery before it fails."
    )
    webhooks_retry_base_seconds: float = Field(
        default=1.0, gt=0, description="Wait after a webhook's first failed attempt (doubles)."
    )
    webhooks_retry_cap_seconds: float = Field(
        default=3600.0, gt=0, description="Longest wait between two attempts of a webhook."
    )
    webhooks_timeout_seconds: float = Field(
        default=10.0, gt=0, le=300, description="Connect and read timeout of a webhook POST."
    )
    webhooks_concurrency: int = Field(
        default=4, ge=1, le=100, description="Webhook requests in flight per endpoint."
    )

    public_url: str = Field(
        default="",
        description="The address people reach the pages at (https://buurt.example.org), used "
        "in the links of mails; empty: http://<host>:<port>.",
    )
    mail_url: str | None = Field(
        default=None,
        description="SMTP server for mail, smtp://user:password@host:port (smtps:// for TLS); "
        "without it, mail is written to BUURT_MAIL_FOLDER.",
    )
    mail_from: str = Field(
        default="Buurt <buurt@localhost>", description="The sender of Buurt's mails."
    )
    mail_folder: Path = Field(
        default=Path("var/mail"),
        description="Where mail is written as .eml files when BUURT_MAIL_URL is not set.",
    )

    media_folder: Path = Field(
        default=Path("var/media"),
        description="Where proposal images are kept as files, outside the database.",
    )
    max_image_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=1024,
        description="Largest proposal image accepted (413 above); its upload may be this large "
        "even when BUURT_MAX_BODY_BYTES is smaller.",
    )

    def base_url(self) -> str:
        """Where the pages are, for links in mails."""
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    def webhook_rules(self) -> WebhookRules:
        return WebhookRules(
            allow_private=self.webhooks_allow_private,
            max_attempts=self.webhooks_max_attempts,
            retry_base_seconds=self.webhooks_retry_base_seconds,
            retry_cap_seconds=self.webhooks_retry_cap_seconds,
            timeout_seconds=self.webhooks_timeout_seconds,
            concurrency_per_endpoint=self.webhooks_concurrency,
        )

    bus_url: str | None = Field(
        default=None,
        description="NATS JetStream for the domain events, nats://host:port (several servers "
        "comma-separated); without it, events stay in the process (the embedded default).",
    )
    bus_stream: str = Field(
        default="BUURT_EVENTS",
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The JetStream stream the events go on (made when missing).",
    )
    matching: Literal["inline", "workers"] = Field(
        default="inline",
        description="Where publications are matched: inline, in the publishing transaction of "
        "the process that stores them (ADR 0002); workers, by `buurt worker` processes that "
        "each own a share of the shards (ADR 0014; needs BUURT_BUS_URL).",
    )
    shards: int = Field(
        default=16,
        ge=1,
        le=1024,
        description="How many shards the event stream is cut into (by circle, and by H3 "
        "resolution-5 cell in split circles); the same in every process of a deployment.",
    )
    split_circles: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_,\- ]*$",
        description="Big circles whose publications are sharded by H3 resolution-5 cell rather "
        "than all in the circle's shard (comma-separated circle ids).",
    )

    worker_ack_wait_seconds: float = Field(
        default=30.0,
        ge=0.5,
        le=3600,
        description="How long a shard's consumer waits for a worker to acknowledge a "
        "publication before it is delivered again (to the next worker, after a crash); set "
        "when the consumer is made, the first time a worker takes the shard.",
    )

    worker_lease_seconds: float = Field(
        default=5.0,
        ge=1,
        le=300,
        description="How long a shard's lease lives without renewal: a worker holds a shard "
        "(fetches its publications and candidates) only under its lease, renews it four times "
        "in that time and stops a third of it before it ends; a worker SIGKILLed is replaced "
        "about this long later. Set when the leases' bucket is made, by the first worker.",
    )

    worker_owners: bool = Field(
        default=True,
        description="Whether engine workers route the matches of split circles as candidates "
        "to the worker that owns each recipient, which applies the relevance gate, so caps "
        "and deduplication have one owner (ADR 0015), and tell the followers of updated "
        "proposals, rather than the API replica that made the update (ADR 0017); the same in "
        "every process.",
    )

    @field_validator("matching")
    @classmethod
    def _workers_need_the_bus(cls, value: str, info: ValidationInfo) -> str:
        if value == "workers" and not info.data.get("bus_url"):
            raise ValueError(
                "matching by workers needs the NATS bus: set BUURT_BUS_URL too, or leave "
                "BUURT_MATCHING unset to match inline"
            )
        return value

    mqtt_url: str | None = Field(
        default=None,
        description="MQTT broker for things, mqtt://user:password@host:port (mqtts:// for TLS).",
    )
    mqtt_config_dir: Path | None = Field(
        default=None,
        description="Where Buurt writes the broker's password file and ACL (and finds its pid).",
    )
    mqtt_client_id: str = Field(
        default="buurt-gateway",
        description=(
            "The gateway's MQTT client id (its session) on a broker that does not tie client ids"
            " to logins; Buurt's broker configuration names the session after the username."
        ),
    )
    mqtt_share_group: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The MQTT 5 shared subscription group the gateway joins ($share/<group>/...),"
        " so that several gateways split the things' events; unset: it takes them all.",
    )
    mqtt_ca_file: str | None = Field(
        default=None, description="CA certificates for mqtts:// (default: the system's)."
    )
