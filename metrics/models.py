"""Models of the metrics app arrive with their issue; see docs/architecture.md."""
