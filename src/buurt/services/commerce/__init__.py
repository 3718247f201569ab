"""Local commerce: items and stock at a business's sites (``stock``, ``stock_import``), the
nearest stock to a place (``nearest``), reservations that never oversell (``reservations``),
and the orders they end in (``orders``).

An order is placed by another use case (a confirmed reservation, a settled pledge) through
``orders.place_order`` inside that use case's unit of work, and then moved by its parties.
"""
