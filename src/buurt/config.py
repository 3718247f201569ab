"""Typed settings: the only place environment variables are read (prefix ``BUURT_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    log_level: str = Field(default="info", description="uvicorn log level.")
    mqtt_url: str | None = Field(
        default=None,
        description="MQTT broker for things, mqtt://user:password@host:port (mqtts:// for TLS).",
    )
    mqtt_config_dir: Path | None = Field(
        default=None,
        description="Where Buurt writes the broker's password file and ACL (and finds its pid).",
    )
    mqtt_client_id: str = Field(
        default="buurt-gateway", description="The gateway's MQTT client id (its session)."
    )
    mqtt_ca_file: str | None = Field(
        default=None, description="CA certificates for mqtts:// (default: the system's)."
    )
