"""Safe by default: an entry point that is not told its settings runs production ones (and so
refuses to start without a secret), and production settings pass Django's deploy checks."""

import gzip
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(code_or_args: list[str], **env: str) -> subprocess.CompletedProcess:
    # The browser tests allow sync ORM calls inside Playwright's loop; a deployment never does.
    local_only = ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in local_only}
    return subprocess.run(
        [sys.executable, *code_or_args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_entry_points_without_settings_get_production_and_refuse_to_start_without_a_secret():
    for entry in (
        "import config.wsgi",
        "import config.asgi",
        "from config.celery import app; app.loader.import_default_modules()",
    ):
        result = _run(["-c", entry])
        assert result.returncode != 0, entry
        assert "Set the SECRET_KEY environment variable" in result.stderr, result.stderr[-500:]
    result = _run(["manage.py", "check"])
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deploy_checks_without_warnings():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=secrets.token_urlsafe(60),
        DATABASE_URL=os.environ.get("DATABASE_URL") or "postgres://localhost/imprimatur",
        ALLOWED_HOSTS="imprimatur.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_errors_go_to_sentry_when_a_dsn_is_set(receiver):
    """A real Sentry client, initialised by the settings, posting to a local receiver."""
    port = receiver.url.split(":")[2].split("/")[0]
    code = (
        "import django, sentry_sdk; django.setup();"
        "sentry_sdk.capture_exception(RuntimeError('reported to sentry'));"
        "sentry_sdk.flush(timeout=10)"
    )
    result = _run(
        ["-c", code],
        DJANGO_SETTINGS_MODULE="config.settings.test",
        SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/42",
    )
    assert result.returncode == 0, result.stderr
    envelopes = [
        gzip.decompress(r.body) if r.headers.get("Content-Encoding") == "gzip" else r.body
        for r in receiver.received
    ]
    assert any(b"reported to sentry" in envelope for envelope in envelopes)


def test_production_logs_are_json_lines():
    code = (
        "import django, logging; django.setup(); logging.getLogger('imprimatur').warning('hello')"
    )
    result = _run(
        ["-c", code],
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="x" * 60,
        DATABASE_URL="sqlite:////tmp/imprimatur-log-check.sqlite3",
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["event"] == "hello" and line["level"] == "warning" and "timestamp" in line
