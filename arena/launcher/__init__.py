"""One-command launcher: embedded PostgreSQL and Redis when none are configured, then the app."""
