"""What is published and what comes of it.

Events, intents, offers, subscriptions, and the moments the engine makes of them.
"""
