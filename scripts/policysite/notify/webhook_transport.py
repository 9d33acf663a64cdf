"""The only module that speaks HTTP: one signed POST of a webhook event to one endpoint.

Signed as the Standard Webhooks specification says (``webhook-id``, ``webhook-timestamp``,
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">``), by its reference
implementation (the ``standardwebhooks`` package), so what the application verifies with that
same package is what we sign. A redirect is not followed: it is a failed attempt (a 3xx
answer could send the event, with its signature, to a host nobody configured).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook

from policysite import __version__
from policysite.errors import ConfigError

USER_AGENT = f"policysite-webhooks/{__version__}"


@dataclass(frozen=True)
class Attempt:
    """What one POST came to: ``ok`` for a 2xx answer."""

    ok: bool
    started: float  # epoch seconds
    seconds: float
    http_status: int | None = None
    error: str | None = None


def signer(secret: str, variable: str) -> Webhook:
    """The signer for a ``whsec_…`` secret read from ``variable`` (named in errors, the value
    never)."""
    # The reference implementation decodes leniently (a typo still gives some key); the
    # specification's secret is base64 of 24 to 64 bytes, checked strictly here.
    value = secret.strip().removeprefix("whsec_")
    try:
        key = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        if not 24 <= len(key) <= 64:
            raise ValueError("wrong length")
        return Webhook(key)
    except (binascii.Error, ValueError, EmptyWebhookSecretError):
        raise ConfigError(
            f"the webhook secret in {variable} is not a Standard Webhooks secret: write whsec_ "
            'followed by base64 of 24 to 64 random bytes (e.g. python -c "import base64, '
            "secrets; print('whsec_' + base64.b64encode(secrets.token_bytes(32)).decode())\"), "
            "and give the application the same value."
        ) from None


def signed_headers(webhook: Webhook, event_id: str, body: str, now: float) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` sent at ``now``."""
    stamp = dt.datetime.fromtimestamp(int(now), dt.UTC)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now)),
        "webhook-signature": webhook.sign(event_id, stamp, body),
    }


def post_event(
    client: httpx.Client, url: str, webhook: Webhook, event_id: str, body: str, timeout: float
) -> Attempt:
    """POST ``body`` to ``url``, signed now; never raises for what the endpoint does."""
    started = time.time()
    clock = time.monotonic()
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        **signed_headers(webhook, event_id, body, started),
    }
    try:
        response = client.post(
            url, content=body.encode("utf-8"), headers=headers, timeout=httpx.Timeout(timeout)
        )
    except httpx.TimeoutException:
        return Attempt(
            False, started, time.monotonic() - clock, error=f"no answer within {timeout:g} s"
        )
    except httpx.HTTPError as exc:
        reason = str(exc).strip() or type(exc).__name__
        return Attempt(False, started, time.monotonic() - clock, error=f"cannot connect: {reason}")
    seconds = time.monotonic() - clock
    status = response.status_code
    if 200 <= status < 300:
        return Attempt(True, started, seconds, status)
    if 300 <= status < 400:
        target = response.headers.get("location", "")
        host = urlsplit(target).hostname or urlsplit(url).hostname or "?"
        return Attempt(
            False,
            started,
            seconds,
            status,
            f"HTTP {status}: redirected to {host}; redirects are not followed, so put the "
            "final URL in mkdocs.yml",
        )
    return Attempt(False, started, seconds, status, f"HTTP {status}")


def open_client() -> httpx.Client:
    """One client for a run (connections reused), redirects not followed; a proxy set in the
    environment (HTTPS_PROXY, NO_PROXY) is honoured, as a company network may need."""
    return httpx.Client(follow_redirects=False)
