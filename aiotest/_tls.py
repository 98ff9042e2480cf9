"""A throwaway certificate authority for HTTPS test servers, made once per process."""

from __future__ import annotations

import ssl
import threading
import weakref
from typing import TYPE_CHECKING

from ._messages import TLS_EXTRA_MISSING

if TYPE_CHECKING:
    import trustme

__all__ = ["client_ssl_context", "server_ssl_context", "trusted_client_context"]

# Every test server gets a certificate for these names as well as its own host, so that
# a URL that spells loopback differently (localhost, ::1) still verifies.
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")

_lock = threading.RLock()
_authority: trustme.CA | None = None
# The server contexts made here: a server given one of them is known to be trusted by
# client_ssl_context(), whoever created it.
_issued: weakref.WeakSet[ssl.SSLContext] = weakref.WeakSet()
_trusting_client: ssl.SSLContext | None = None
_leaf_certs: dict[tuple[str, ...], trustme.LeafCert] = {}


def _certificate_authority() -> trustme.CA:
    try:
        import trustme
    except ImportError as exc:
        raise ImportError(TLS_EXTRA_MISSING) from exc
    global _authority
    with _lock:
        if _authority is None:
            _authority = trustme.CA(organization_name="aiotest throwaway CA")
        return _authority


def server_ssl_context(*hosts: str) -> ssl.SSLContext:
    """Return a server context whose certificate names ``hosts`` and the loopback names.

    The certificate is issued by a certificate authority that lives only in this
    process; :func:`client_ssl_context` trusts it. Needs the ``tls`` extra (trustme).
    """
    authority = _certificate_authority()
    names = tuple(dict.fromkeys([*(h for h in hosts if h), *_LOOPBACK_NAMES]))
    with _lock:
        leaf = _leaf_certs.get(names)
        if leaf is None:
            leaf = _leaf_certs[names] = authority.issue_cert(*names)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    _issued.add(context)
    return context


def client_ssl_context() -> ssl.SSLContext:
    """Return a client context that trusts the throwaway authority and nothing else.

    It verifies the certificate and the host name, as any HTTPS client should.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _certificate_authority().configure_trust(context)
    return context


def trusted_client_context(server_context: ssl.SSLContext | None) -> ssl.SSLContext | None:
    """Return the (shared) client context that trusts ``server_context``, if it was made here."""
    global _trusting_client
    if server_context is None or server_context not in _issued:
        return None
    with _lock:
        if _trusting_client is None:
            _trusting_client = client_ssl_context()
        return _trusting_client
