"""Connected things.

The registry, kinds and their schemas, ingestion, MQTT credentials and commands, thing pages.
"""
