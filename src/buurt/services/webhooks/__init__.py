"""Webhooks for partners.

Endpoints, and the durable outbox of deliveries written with each moment.
"""
