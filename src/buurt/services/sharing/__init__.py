"""Sharing across households: bookable things and their bookings (``bookables``,
``bookings``), and automations that let a neighbour's event command one's own thing.

Imports the domain, the ports and the other services' public functions; nothing imports it
but the web and the composition root.
"""
