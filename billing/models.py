"""Models of the billing app arrive with their issue; see docs/architecture.md."""
