"""Models of the enrollment app arrive with their issue; see docs/architecture.md."""
