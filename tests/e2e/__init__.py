"""End-to-end tests: the HTTP API, the CLI and the pages, as a user reaches them."""
