"""HTTP API (FastAPI): thin routers that call services. See docs/api.md."""
