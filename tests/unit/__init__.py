"""Unit tests: pure code, no I/O, milliseconds each."""
