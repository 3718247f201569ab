"""Use cases: what members, businesses and things can do, with their authorization rules.

Each module holds the use cases of one resource as functions taking a ``Services`` context (unit
of work factory, clock) and the acting ``Principal``. Services import the domain and the ports
only; the web and CLI call them, adapters are handed in by ``buurt.bootstrap``.
"""
