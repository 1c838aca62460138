"""For tests: log a user in as if they had typed their password and a second-factor code.

    from volia.accounts.testing import login_verified
    login_verified(client, user)

Tests of the log-in itself go through the real pages (/accounts/login/, /accounts/2fa/...).
"""

from __future__ import annotations

from volia.accounts import twofactor


def login_verified(client, user) -> None:
    """Django test client `client` is logged in as `user`, second factor passed."""
    client.force_login(user)
    session = client.session
    twofactor.mark_verified(session, user)
    session.save()
