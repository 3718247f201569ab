"""MQTT: things talk to Buurt through a broker (Mosquitto, or any MQTT 3.1.1/5 broker).

- ``messages``: the wire format of an event message, read into a draft (never raising).
- ``topics``: the topic scheme, ``buurt/<circle id>/things/<thing id>/events|commands``.
- ``url``: the ``mqtt://user:pass@host:port`` (``mqtts://`` for TLS) the gateway connects to.
- ``broker_files``: the broker's password file and ACL, generated from the store, and its reload.
- ``mosquitto``: running a local Mosquitto (for ``buurt bench``, the simulator and the tests).
- ``gateway``: the subscriber that stores every event message through ``publish_events`` and
  acknowledges it to the broker only after the store committed; it also sends commands.

It drives the ingestion use cases, and the composition root (``buurt.bootstrap``) builds its
gateway, so it sits between the two in the layers; the services know it only through the
``ThingLink`` port.
"""
