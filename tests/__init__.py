"""The test suite: unit, contract, integration and end-to-end tests (see CONVENTIONS.md)."""
