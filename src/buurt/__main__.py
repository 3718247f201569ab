"""``python -m buurt``: the same as the ``buurt`` command."""

from buurt.cli import main

main()
