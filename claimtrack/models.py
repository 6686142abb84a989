"""claimtrack has no models of its own.

This module exists so that Django sends the app `post_migrate` (it skips apps without a models
module): see ClaimtrackConfig.ready(), which creates the database cache table then.
"""
