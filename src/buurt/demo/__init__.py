"""The demo neighbourhood: the Indische Buurt in Amsterdam-Oost, seeded for ``buurt demo``.

``seed(services)`` fills a store with a believable neighbourhood (one circle, 50+ members,
a dozen businesses with sites, 30+ things with a day of readings, intents, offers,
subscriptions and consent grants) through the use cases in ``buurt.services``, so every rule
applies; running it again changes nothing and only issues a new token for the demo member.
Everything is generated from a fixed random seed and small word lists in code: no network,
no data files.

Modules: ``places`` (boundary, streets, addresses), ``people`` (names and known accounts),
``catalogue`` (businesses and things), ``wishes`` (intents, offers, subscriptions, grants),
``readings`` (a day of events per kind of thing), ``seeding`` (the run), ``summary`` (what
the CLI prints). Only the CLI imports this package; it imports the services, the domain and
the settings.
"""

from buurt.demo.people import ADMIN_EMAIL, ADMIN_PASSWORD, DEMO_EMAIL, DEMO_PASSWORD
from buurt.demo.seeding import CIRCLE_NAME, DemoSeedError, seed
from buurt.demo.summary import DemoSummary

__all__ = [
    "ADMIN_EMAIL",
    "ADMIN_PASSWORD",
    "CIRCLE_NAME",
    "DEMO_EMAIL",
    "DEMO_PASSWORD",
    "DemoSeedError",
    "DemoSummary",
    "seed",
]
