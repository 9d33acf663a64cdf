"""Bytes in and out of files: the one decoder of policy text, and writes nobody sees half-done."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from policysite.errors import PolicyError

_UMASK = os.umask(0)
os.umask(_UMASK)


def text_sha256(text: str) -> str:
    """The sha256 of a text (UTF-8) as versions.json publishes it: every text hash is this."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_atomic(
    path: Path, data: str | bytes, *, durable: bool = False, private: bool = False
) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    Text is written as UTF-8 with the newlines given. ``durable`` also flushes the file to disk
    before the rename (the outbox: a notice recorded as sent must survive a power cut).
    ``private`` keeps the file readable by its owner only (mail holding a person's address);
    otherwise it gets the mode any new file gets under the umask.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if not private:  # mkstemp made it 0600
            os.chmod(temporary, 0o666 & ~_UMASK)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


MAX_POLICY_BYTES = 1024 * 1024  # a policy is text; anything larger is an attachment or a mistake


def decode_text(
    data: bytes, path: str, *, commit: str | None = None, limit: int | None = MAX_POLICY_BYTES
) -> str:
    """A file's bytes as text: UTF-8 with a leading byte-order mark dropped, at most ``limit``.

    The one decoder for policies and notes, whether they come from git or the working tree, so
    that both say the same about the same bad file. Raises PolicyError naming the line of the
    first bad byte.
    """
    if limit is not None and len(data) > limit:
        raise PolicyError(
            f"is {len(data) / 1048576:.1f} MiB; a policy file may be at most 1 MiB. Split it into "
            "several policies or move attachments out of policies/.",
            path=path,
            line=1,
            commit=commit,
        )
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(
            f"is not UTF-8 (byte {exc.start}: {data[exc.start : exc.start + 1]!r}); save the "
            "file as UTF-8 and commit it again.",
            path=path,
            line=data[: exc.start].count(b"\n") + 1,
            commit=commit,
        ) from None
