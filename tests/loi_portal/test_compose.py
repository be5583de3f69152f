"""docker-compose.yml: Debian's docker-compose accepts it, it runs the five services of the deployment,
and the web container's health check gets a 200 from /healthz over plain HTTP."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
REQUIRED = {
    "SECRET_KEY": "s" * 50,
    "ALLOWED_HOSTS": "loi.example.org,.example.org",
    "POSTGRES_PASSWORD": "pw",
}

needs_compose = pytest.mark.skipif(
    shutil.which("docker-compose") is None,
    reason="Debian's docker-compose is not installed (make test installs it)",
)


def _compose_config(tmp_path, variables: dict) -> subprocess.CompletedProcess:
    env_file = tmp_path / "compose.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in variables.items()))
    environment = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    return subprocess.run(
        ["docker-compose", "--env-file", str(env_file), "-f", str(COMPOSE), "config"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


@needs_compose
def test_docker_compose_accepts_the_file_with_the_documented_variables(tmp_path):
    result = _compose_config(tmp_path, REQUIRED)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis"}
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A loi_portal worker")
    assert services["beat"]["command"].startswith("celery -A loi_portal beat")
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgres://loi:pw@db:5432/")


@needs_compose
@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_docker_compose_refuses_to_start_without_a_required_variable(tmp_path, missing):
    result = _compose_config(tmp_path, {k: v for k, v in REQUIRED.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.django_db
def test_the_web_health_check_gets_a_200_over_plain_http_with_production_settings(settings, monkeypatch):
    """The health check's own code, run against the test client instead of a socket."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["loi.example.org", ".example.org"]
    check = yaml.safe_load(COMPOSE.read_text())["services"]["web"]["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"]
    asked = {}

    def urlopen(request, timeout):
        asked["host"] = request.headers["Host"]
        response = Client().get("/healthz", headers={"host": asked["host"]})
        asked["status"] = response.status_code
        if response.status_code != 200:
            raise OSError(f"health check got {response.status_code}")

    import urllib.request

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    monkeypatch.setenv("ALLOWED_HOSTS", ",".join(settings.ALLOWED_HOSTS))
    exec(check[3], {})  # noqa: S102 - the compose file's own health check, with urlopen replaced
    assert asked == {"host": "loi.example.org", "status": 200}
    # Everything else still goes to HTTPS.
    assert Client().get("/accounts/login/", headers={"host": "loi.example.org"}).status_code == 301
