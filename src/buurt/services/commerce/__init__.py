"""Local commerce: orders collected at a business (and, as they land, stock and reservations).

An order is placed by another use case (a confirmed reservation, a settled pledge) through
``orders.place_order`` inside that use case's unit of work, and then moved by its parties.
"""
