"""Integration tests: adapters against the real SQLite, PostgreSQL, Mosquitto and NATS."""
