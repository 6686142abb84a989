"""Soak and fault runs against gunicorn on PostgreSQL: `python -m soak --help`."""
