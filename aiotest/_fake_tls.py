"""Certificates for fake hosts: one throwaway authority per host name, allowed that name only.

Each authority carries an X.509 name constraint, so trusting it can never make a client
accept a certificate for a host that is not faked, whoever holds a certificate from it.
Keys live in this process only. Needs the ``tls`` extra (trustme pulls in cryptography).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import tempfile
import threading
from dataclasses import dataclass

__all__ = ["HostCertificate", "certificate_for", "client_context_trusting"]

FAKE_TLS_EXTRA_MISSING = (
    "faking an https host needs the cryptography package to issue its certificate: "
    "pip install 'aiotest-unittest[tls]'"
)

_lock = threading.Lock()
_issued: dict[str, HostCertificate] = {}
# Long enough for any test run, short enough that a leaked key is worthless.
_VALIDITY = datetime.timedelta(days=2)


@dataclass(frozen=True)
class HostCertificate:
    """A host's authority (to trust) and its server context (to serve with)."""

    host: str
    authority_pem: str
    server_context: ssl.SSLContext


def certificate_for(host: str) -> HostCertificate:
    """Return the certificate of fake host ``host``, issuing it on first use."""
    with _lock:
        issued = _issued.get(host)
        if issued is None:
            issued = _issued[host] = _issue(host)
        return issued


def client_context_trusting(*certificates: HostCertificate) -> ssl.SSLContext:
    """Return a verifying client context that trusts only the given fake hosts' authorities."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    for certificate in certificates:
        context.load_verify_locations(cadata=certificate.authority_pem)
    return context


def _issue(host: str) -> HostCertificate:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError as exc:
        raise ImportError(FAKE_TLS_EXTRA_MISSING) from exc

    general_name: x509.GeneralName
    subtree: x509.GeneralName
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        general_name = subtree = x509.DNSName(host)
    else:
        general_name = x509.IPAddress(address)
        subtree = x509.IPAddress(ipaddress.ip_network(address))
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + _VALIDITY

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"aiotest fake CA for {host}")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.NameConstraints(permitted_subtrees=[subtree], excluded_subtrees=None),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([general_name]), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    chain = leaf_cert.public_bytes(pem) + leaf_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    # The ssl module loads a certificate chain from a file only; the file lives for a moment.
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(chain)
        server_context.load_cert_chain(path)
    finally:
        os.unlink(path)
    return HostCertificate(host, ca_cert.public_bytes(pem).decode("ascii"), server_context)
