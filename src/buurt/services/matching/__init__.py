"""From publication to moments.

The engine's indexes kept current from the store, with the consent and relevance rules applied.
"""
