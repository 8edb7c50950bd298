"""Reviewers' signatures over what they approve: OpenSSH's SSHSIG format, with our own namespace.

Reviewers sign with the SSH key they already use for git and GitHub; the
registry (``site_config/reviewers.yaml``) holds each one's public key.  A
signature is made by ``ssh-keygen -Y sign`` (so an ssh-agent, a passphrase or
a hardware key all work) and checked here, in-process, with ``cryptography``:
a build verifies every approval of every article, and thousands of
``ssh-keygen`` processes would cost minutes.  What is signed is a short
canonical statement (see ``approvals.statement``), never commit metadata, so
an approval survives squash merges and rebases.

Only Ed25519 keys are accepted: the kind GitHub and OpenSSH recommend, and
the one whose signatures cannot be made malleable by the signer's choices.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .errors import GuidesiteError

NAMESPACE = "guidesite-approval@v1"
"""The SSHSIG namespace of our approvals: a signature made for anything else (a git commit, a file) never counts."""

KEY_TYPE = "ssh-ed25519"
_MAGIC = b"SSHSIG"
_ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_ARMOR_END = "-----END SSH SIGNATURE-----"


class SigningError(GuidesiteError):
    """A signature could not be made (no key, ssh-keygen missing or refusing)."""


def public_key_problem(text: str) -> str | None:
    """Why ``text`` is not a usable registry key (``ssh-ed25519 AAAA… [comment]``), or None."""
    parts = text.split()
    if len(parts) < 2 or parts[0] != KEY_TYPE:
        return f"expected an SSH public key of type {KEY_TYPE} ('ssh-ed25519 AAAA…', as in ~/.ssh/id_ed25519.pub); got '{text[:40]}'"
    try:
        _key_from_blob(base64.b64decode(parts[1], validate=True))
    except (ValueError, struct.error):
        return "expected an SSH public key; the part after 'ssh-ed25519' is not a valid key"
    return None


def fingerprint(public_key: str) -> str:
    """``SHA256:…`` as ``ssh-keygen -l`` prints it."""
    blob = base64.b64decode(public_key.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def verify(statement: str, signature: str, public_key: str) -> bool:
    """Whether ``signature`` (armored SSHSIG) is ``public_key``'s signature of ``statement`` in our namespace."""
    try:
        blob = _dearmor(signature)
        reader = _Reader(blob)
        if reader.raw(6) != _MAGIC or reader.uint32() != 1:
            return False
        signer = reader.string()
        namespace = reader.string()
        reader.string()  # reserved
        hash_name = reader.string()
        wrapped = reader.string()
        if not reader.done() or namespace != NAMESPACE.encode() or hash_name not in (b"sha512", b"sha256"):
            return False
        expected = base64.b64decode(public_key.split()[1], validate=True)
        if signer != expected:
            return False
        sig_reader = _Reader(wrapped)
        if sig_reader.string() != KEY_TYPE.encode():
            return False
        raw_signature = sig_reader.string()
        if not sig_reader.done():
            return False
        digest = (hashlib.sha512 if hash_name == b"sha512" else hashlib.sha256)(statement.encode("utf-8")).digest()
        signed = _MAGIC + _string(namespace) + _string(b"") + _string(hash_name) + _string(digest)
        _key_from_blob(signer).verify(raw_signature, signed)
        return True
    except (InvalidSignature, ValueError, struct.error, IndexError):
        return False


def made_with(signature: str, public_key: str) -> bool:
    """Whether an armored SSHSIG signature names ``public_key`` as its signer, whatever it signed (to tell
    a copied approval, signed by the right key for something else, from a forged one)."""
    try:
        reader = _Reader(_dearmor(signature))
        if reader.raw(6) != _MAGIC or reader.uint32() != 1:
            return False
        return reader.string() == base64.b64decode(public_key.split()[1], validate=True)
    except (ValueError, struct.error, IndexError):
        return False


def sign(statement: str, key: Path) -> str:
    """Sign ``statement`` with ``ssh-keygen -Y sign`` using ``key`` (a private key file, or the public
    key of a key held by ssh-agent).  Returns the armored signature."""
    program = shutil.which("ssh-keygen")
    if program is None:
        raise SigningError("ssh-keygen is not installed (Debian: apt-get install openssh-client); it makes the signature")
    key = Path(key).expanduser()
    if not key.is_file():
        raise SigningError(f"no key file at {key}; give one with --key PATH")
    with tempfile.TemporaryDirectory(prefix="guidesite-sign-") as folder:
        message = Path(folder) / "statement"
        message.write_text(statement, encoding="utf-8")
        result = subprocess.run([program, "-Y", "sign", "-q", "-f", str(key), "-n", NAMESPACE, str(message)],
                                capture_output=True, text=True, stdin=subprocess.DEVNULL if not os.isatty(0) else None)
        armored = Path(str(message) + ".sig")
        if result.returncode != 0 or not armored.is_file():
            raise SigningError(f"ssh-keygen could not sign with {key}: {result.stderr.strip() or 'failed'}")
        return armored.read_text(encoding="ascii").strip()


def public_key_of(key: Path) -> str:
    """The public key (``ssh-ed25519 AAAA…``) of a key file: its ``.pub`` beside it, or ``ssh-keygen -y``."""
    key = Path(key).expanduser()
    if key.suffix == ".pub":
        return " ".join(key.read_text(encoding="utf-8").split()[:2])
    pub = key.with_name(key.name + ".pub")
    if pub.is_file():
        return " ".join(pub.read_text(encoding="utf-8").split()[:2])
    program = shutil.which("ssh-keygen")
    if program is None:
        raise SigningError("ssh-keygen is not installed (Debian: apt-get install openssh-client)")
    result = subprocess.run([program, "-y", "-f", str(key)], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise SigningError(f"cannot read the public key of {key}: {result.stderr.strip() or 'failed'}")
    return " ".join(result.stdout.split()[:2])


def default_key() -> Path | None:
    """git's ``user.signingkey`` when it names a file, else ``~/.ssh/id_ed25519``, if present."""
    configured = subprocess.run(["git", "config", "--get", "user.signingkey"], capture_output=True, text=True)
    value = configured.stdout.strip()
    if configured.returncode == 0 and value and not value.startswith(("ssh-", "key::")):
        path = Path(value).expanduser()
        if path.is_file():
            return path
    fallback = Path("~/.ssh/id_ed25519").expanduser()
    return fallback if fallback.is_file() else None


# -- the wire format ----------------------------------------------------------


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.at = 0

    def raw(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise ValueError("truncated")
        out = self.data[self.at:self.at + n]
        self.at += n
        return out

    def uint32(self) -> int:
        return struct.unpack(">I", self.raw(4))[0]

    def string(self) -> bytes:
        return self.raw(self.uint32())

    def done(self) -> bool:
        return self.at == len(self.data)


def _key_from_blob(blob: bytes) -> Ed25519PublicKey:
    reader = _Reader(blob)
    if reader.string() != KEY_TYPE.encode():
        raise ValueError("not an ed25519 key")
    raw = reader.string()
    if not reader.done() or len(raw) != 32:
        raise ValueError("malformed ed25519 key")
    return Ed25519PublicKey.from_public_bytes(raw)


def _dearmor(text: str) -> bytes:
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) < 3 or lines[0] != _ARMOR_BEGIN or lines[-1] != _ARMOR_END:
        raise ValueError("not an armored SSH signature")
    return base64.b64decode("".join(lines[1:-1]), validate=True)
