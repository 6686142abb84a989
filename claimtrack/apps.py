from django.apps import AppConfig
from django.core import checks


class ClaimtrackConfig(AppConfig):
    """The project's own wiring: system checks and token revocation."""

    name = "claimtrack"
    verbose_name = "claimtrack"

    def ready(self) -> None:
        from claimtrack import auth
        from claimtrack import checks as claimtrack_checks

        checks.register(claimtrack_checks.shared_cache, checks.Tags.caches, deploy=True)
        auth.connect_token_revocation()
