import os
import subprocess
import sys

import pytest
from django.conf import settings


def run_check(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.pop("DATABASE_URL", None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"DJANGO_DEBUG": "0"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_DEBUG": "1", "DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL"),
        ({"DJANGO_DEBUG": "1", "CLAIMTRACK_CONFIRM_MIN_PUBLISHERS": "two"}, "CLAIMTRACK_CONFIRM"),
    ],
)
def test_a_bad_setting_stops_start_up_with_a_message_naming_the_variable(env, variable):
    result = run_check(**env)
    assert result.returncode != 0
    assert variable in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_debug_is_off_unless_asked_and_a_secret_key_then_suffices():
    result = run_check(DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr


def test_datetimes_are_timezone_aware_in_utc():
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "UTC"
