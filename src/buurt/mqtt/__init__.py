"""MQTT: things talk to Buurt through a broker (Mosquitto, or any MQTT 3.1.1/5 broker).

- ``topics``: the topic scheme, ``buurt/<circle id>/things/<thing id>/events|commands``.
- ``url``: the ``mqtt://user:pass@host:port`` (``mqtts://`` for TLS) the gateway connects to.
- ``broker_files``: the broker's password file and ACL, generated from the store, and its reload.
- ``mosquitto``: running a local Mosquitto (for ``buurt bench``, the simulator and the tests).
- ``gateway``: the subscriber that stores every event message through ``publish_events`` and
  acknowledges it to the broker only after the store committed; it also sends commands.

An edge beside ``web``: it drives the use cases and is imported by the CLI (and the bench
and simulator) only; the services know it through the ``ThingLink`` port.
"""
