"""A simulated fleet of connected things that talks MQTT like real devices.

- ``fleet``: provisioning the things (through the services) and their believable readings:
  a day/night solar curve, parking turnover, fridges emptying and filling, cargo bikes coming
  and going, air quality with rush hours, EV chargers, smart meters.
- ``devices``: one MQTT connection per thing (the broker's ACL ties a login to one thing),
  publishing with QoS 1 at a fleet-wide rate, counting what the broker acknowledged.
- ``poison``: payloads a careless or hostile device may send, each of which must end as a
  dead letter of its own (for ``buurt bench ingest`` and the tests).

Used by ``buurt simulate`` and ``buurt bench ingest``; imports services and the MQTT adapter.
"""
