"""claimtrack has no models of its own; its one migration creates the database cache table."""
