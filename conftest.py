"""Hypothesis profiles: ``ci`` (the default; derandomized, bounded, no deadline, as
``make test`` runs it) and ``dev`` (more examples, random). Pick with
``HYPOTHESIS_PROFILE=dev``."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, max_examples=25, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The fixture distributions are installed by the tests that use them, never imported here.
collect_ignore = ["tests/fixtures"]
