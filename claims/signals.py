"""Receivers that hold every write path (admin, API, commands, shell) to the same rules: the
verdict integrity guard before writes, and derived data kept current after them."""

from django.apps import apps as global_apps
from django.db.models.signals import post_delete, post_migrate, post_save, pre_delete, pre_save
from django.dispatch import receiver

from claims import integrity
from claims.models import (
    Actor,
    Citation,
    Claim,
    ClaimActor,
    ClaimCountry,
    Event,
    sync_claim_countries,
)
from sources.anchoring import source_reanchor
from sources.models import Source


@receiver(pre_save, sender=Claim)
@receiver(pre_save, sender=ClaimActor)
@receiver(pre_save, sender=ClaimCountry)
@receiver(pre_save, sender=Citation)
def verdict_guard_on_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    # A material change to a claim with a verdict is refused (VerdictLocked, 409).
    if not raw:
        integrity.check_save(instance, update_fields)


@receiver(pre_delete, sender=ClaimActor)
@receiver(pre_delete, sender=ClaimCountry)
@receiver(pre_delete, sender=Citation)
@receiver(pre_delete, sender=Event)
def verdict_guard_on_delete(sender, instance, origin=None, **kwargs) -> None:
    integrity.check_delete(instance, origin)


@receiver(post_save, sender=Claim)
def claim_saved(sender, instance: Claim, raw=False, **kwargs) -> None:
    # The event (and so the venue country) or the statement may have changed.
    if not raw:
        sync_claim_countries([instance.pk])
        Claim.objects.filter(pk=instance.pk).refresh_search_vectors()


@receiver(post_save, sender=ClaimActor)
@receiver(post_delete, sender=ClaimActor)
def participant_changed(sender, instance: ClaimActor, raw=False, **kwargs) -> None:
    if not raw:
        sync_claim_countries([instance.claim_id])


@receiver(post_save, sender=Actor)
def actor_saved(sender, instance: Actor, raw=False, created=False, **kwargs) -> None:
    if not raw and not created:
        claim_ids = list(instance.participations.values_list("claim_id", flat=True))
        sync_claim_countries(claim_ids)
        Claim.objects.filter(pk__in=claim_ids).refresh_search_vectors()


@receiver(post_save, sender=Event)
def event_saved(sender, instance: Event, raw=False, created=False, **kwargs) -> None:
    if not raw and not created:
        sync_claim_countries(instance.claims.values_list("id", flat=True))


@receiver(post_save, sender=ClaimActor)
@receiver(post_delete, sender=ClaimActor)
@receiver(post_save, sender=ClaimCountry)
@receiver(post_delete, sender=ClaimCountry)
@receiver(post_save, sender=Citation)
@receiver(post_delete, sender=Citation)
def claim_part_changed(sender, instance, raw=False, **kwargs) -> None:
    # What a claim shows changed, so its version (and ETag) must move on.
    if not raw:
        Claim(pk=instance.claim_id).touch()
        if sender is not ClaimCountry:
            Claim.objects.filter(pk=instance.claim_id).refresh_search_vectors()


@receiver(post_save, sender=Source)
def source_saved(sender, instance: Source, raw=False, created=False, **kwargs) -> None:
    # A new text moves every quote: re-anchor the citations against it, and flag the claims
    # whose verdict relied on a quote that is no longer where the reviewer found it.
    if raw or created or not instance.text_changed:
        return
    integrity.claim_flag_moved_evidence(results=source_reanchor(source=instance))


@receiver(post_migrate, dispatch_uid="claims.no_totals_without_claims")
def forget_totals_without_claims(sender, using, apps=global_apps, **kwargs) -> None:
    """A flush on SQLite deletes the tables in no set order (a set, with `allow_cascade`): when
    the claims go after their running totals, the triggers write −1s into the emptied totals
    (claims.stats). A flush sends post_migrate when it is done; with no claim left, there is no
    total either. One EXISTS query after a migrate."""
    if sender.label != "claims":
        return
    try:
        claims = apps.get_model("claims", "Claim")._default_manager.using(using)
        totals = apps.get_model("claims", "ClaimTally")._default_manager.using(using)
    except LookupError:  # a state before the totals (migration tests)
        return
    if not claims.exists():
        totals.all().delete()
