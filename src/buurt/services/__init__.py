"""Use cases: what members, businesses and things can do, with their authorization rules.

Each module holds the use cases of one resource as functions taking a ``Services`` context and
the acting ``Principal``. The root holds what every area shares (``context``, ``principals``,
``resources``); the areas are subpackages:

- ``community``: accounts, circles, members, businesses;
- ``publishing``: events, intents, offers, subscriptions, moments;
- ``matching``: the engine's indexes and the rules applied before a moment is made;
- ``consent``: the one decision on personal data, grants, access log, export, erasure;
- ``things``: the registry, kinds, ingestion, MQTT credentials and commands, thing pages;
- ``webhooks``: endpoints and the outbox of deliveries;
- ``charter``: proposals, votes and retention;
- ``aggregates``: k-anonymous counts and differential privacy.

Services import the domain, the engine and the ports; never a web framework, a database
driver or an MQTT client (``lint-imports`` holds that). The web, MQTT and CLI edges call them;
adapters are handed in by ``buurt.bootstrap``.
"""
