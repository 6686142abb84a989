from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class ClaimtrackConfig(AppConfig):
    """The project's own wiring: system checks, the cache table, token revocation."""

    name = "claimtrack"
    verbose_name = "claimtrack"

    def ready(self) -> None:
        from claimtrack import auth
        from claimtrack import checks as claimtrack_checks

        checks.register(claimtrack_checks.shared_cache, checks.Tags.caches, deploy=True)
        # `migrate` ends by creating the database cache table, so no deployment forgets it.
        post_migrate.connect(claimtrack_checks.create_cache_tables, sender=self)
        auth.connect_token_revocation()
