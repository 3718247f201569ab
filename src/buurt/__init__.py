"""Buurt: the people, local businesses and connected things of a neighbourhood meeting in
real-time business moments.

The package is layered (see docs/architecture.md): ``domain`` and ``engine`` are pure; ``ports``
name what the core needs; ``services`` hold the use cases; ``adapters`` implement the ports;
``web`` and ``cli`` are the edges; ``bootstrap`` wires them together.
"""

__version__ = "0.1.0"
