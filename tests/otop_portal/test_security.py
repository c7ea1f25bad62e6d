import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


@pytest.mark.axes
def test_it_locks_out_a_login_after_repeated_failures(client, officer):
    url = reverse("login")
    for _ in range(5):
        client.post(url, {"username": "officer", "password": "wrong"})
    response = client.post(url, {"username": "officer", "password": PASSWORD})
    assert response.status_code == 429
    assert "ระงับการเข้าสู่ระบบชั่วคราว" in response.content.decode()


@pytest.mark.axes
def test_it_lets_a_correct_password_in(client, officer):
    response = client.post(reverse("login"), {"username": "officer", "password": PASSWORD})
    assert response.status_code == 302


def test_it_sends_a_strict_content_security_policy(client, officer):
    client.force_login(officer)
    response = client.get(reverse("login"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_it_expires_sessions(settings):
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_it_refuses_weak_passwords():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["12345678", "password", "short"]:
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_it_passes_the_deployment_checklist_with_production_settings():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "SECURE_COOKIES"}}
    env.update(
        SECRET_KEY="a" * 20 + "-production-like-secret-key-for-the-check-" + "z" * 20, DEBUG="0"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_speaks_thai_to_an_english_browser_until_asked_for_english(client):
    from django.urls import reverse

    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "th"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="th")
    assert response.headers["Content-Language"] == "en"
