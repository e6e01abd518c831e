"""RSA keys made at test time, in the forms Walmart issued them and sellers stored them."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass(frozen=True)
class KeyPair:
    private: rsa.RSAPrivateKey

    @property
    def bare_base64(self) -> str:
        """The private key as the Developer Portal gave it: base64 PKCS#8 DER, no armour."""
        der = self.private.private_bytes(serialization.Encoding.DER,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
        return base64.b64encode(der).decode()

    @property
    def pem(self) -> str:
        return self.private.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()).decode()

    @property
    def public_pem(self) -> str:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def new_key(bits: int = 2048) -> KeyPair:
    return KeyPair(rsa.generate_private_key(public_exponent=65537, key_size=bits))
