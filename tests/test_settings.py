import ast
import os
import re
import subprocess
import sys
from collections import Counter

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
        (
            {"DJANGO_DEBUG": "1", "CLAIMTRACK_THROTTLE_LOGIN": "²/minute"},
            "CLAIMTRACK_THROTTLE_LOGIN",
        ),
        ({"DJANGO_DEBUG": "1", "CLAIMTRACK_TRUSTED_PROXIES": "10.0.0.300"}, "TRUSTED_PROXIES"),
        # A count trusts X-Forwarded-For from anyone who reaches the app directly: refused.
        ({"DJANGO_DEBUG": "1", "CLAIMTRACK_TRUSTED_PROXY_COUNT": "1"}, "TRUSTED_PROXIES"),
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


MUTATING_METHODS = {"append", "extend", "insert", "update", "setdefault", "pop", "remove", "clear"}


def _assigned_names(statements) -> Counter:
    """How many times each UPPER_CASE name is bound along the longest path through
    `statements` (the branches of an `if` are alternatives, not repetitions)."""
    found: Counter = Counter()
    for statement in statements:
        if isinstance(statement, ast.If):
            branches = [_assigned_names(statement.body), _assigned_names(statement.orelse)]
            found.update({name: max(b[name] for b in branches) for b in branches for name in b})
        elif isinstance(statement, ast.For | ast.While | ast.With | ast.Try):
            found.update(_assigned_names(statement.body))
        elif isinstance(statement, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name) and node.id.isupper():
                        found[node.id] += 1
    return found


def test_settings_set_each_value_once_and_never_change_it_afterwards():
    tree = ast.parse((settings.BASE_DIR / "claimtrack" / "settings.py").read_text())
    twice = sorted(name for name, n in _assigned_names(tree.body).items() if n > 1)
    assert not twice, f"set more than once: {twice}"
    changed = sorted(
        {
            f"{ast.unparse(node)} (line {node.lineno})"
            for node in ast.walk(tree)
            if (
                isinstance(node, ast.Subscript | ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id.isupper()
            )
            or (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in MUTATING_METHODS
                and isinstance(node.func.value, ast.Name | ast.Subscript)
                and ast.unparse(node.func.value).split("[")[0].isupper()
            )
        }
    )
    assert not changed, f"changed after being set: {changed}"


# Read only to stop start-up with a message naming its replacement.
RETIRED_VARIABLES = {"CLAIMTRACK_TRUSTED_PROXY_COUNT"}


def test_env_example_lists_every_variable_the_settings_read():
    source = (settings.BASE_DIR / "claimtrack" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|list|networks)\(\s*"([A-Z_0-9]+)"', source))
    listed = set(
        re.findall(
            r"^#? ?([A-Z][A-Z_0-9]+)=",
            (settings.BASE_DIR / ".env.example").read_text(),
            re.MULTILINE,
        )
    )
    assert len(read) > 40
    assert read - listed - RETIRED_VARIABLES == set()
