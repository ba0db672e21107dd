"""Give every received row an identity, so landing it twice stores it once."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

from rollcall.models.records import UNREADABLE, RawRow, content_hash

MAX_KEY_LENGTH = 200


def unreadable_reason(payload: Mapping[str, object]) -> str | None:
    """The reason code of a row landed unreadable, or None for a row to normalise."""
    reason = payload.get(UNREADABLE) if isinstance(payload, Mapping) else None
    return reason if isinstance(reason, str) and reason else None


def identify_rows(rows: Iterable[tuple[str | None, Mapping[str, str]]], id_column: str | None) -> list[RawRow]:
    """RawRows from ``(locator, payload)`` pairs (see ``iter_identified``)."""
    return list(iter_identified(rows, id_column))


def iter_identified(rows: Iterable[tuple[str | None, Mapping[str, str]]], id_column: str | None) -> Iterator[RawRow]:
    """RawRows from ``(locator, payload)`` pairs, one at a time (large exports stream).

    With an ``id_column`` holding a value, that value is the record's key and an edited row
    becomes a new version of the same record. Without one, the key is the content hash plus
    its occurrence number in the export: row numbers are not keys (a sort renumbers them).
    """
    seen: Counter[str] = Counter()
    for locator, payload in rows:
        digest = content_hash(payload)
        external_id = (payload.get(id_column) or "").strip() if id_column else ""
        if len(external_id) > MAX_KEY_LENGTH:  # not a real id; the key column holds 255
            external_id = "id-sha256:" + hashlib.sha256(external_id.encode("utf-8")).hexdigest()
        if not external_id:
            seen[digest] += 1
            external_id = f"sha256:{digest[:32]}#{seen[digest]}"
        yield RawRow(external_id, digest, dict(payload), locator)


class RecordKeys:
    """The (external id, content hash) pairs an export holds, kept as 16-byte digests: a
    200 MB export's 1.5 million pairs as tuples of strings cost 400 MB; as digests, a third.
    ``pair in keys`` as with a set (a collision needs 2**64 pairs)."""

    def __init__(self) -> None:
        self._digests: set[bytes] = set()

    @staticmethod
    def _digest(external_id: str, content_hash: str) -> bytes:
        return hashlib.blake2b(f"{external_id}\x00{content_hash}".encode(), digest_size=16).digest()

    def add(self, external_id: str, content_hash: str) -> None:
        self._digests.add(self._digest(external_id, content_hash))

    def __contains__(self, pair: object) -> bool:
        if not isinstance(pair, tuple) or len(pair) != 2:
            return False
        return self._digest(*pair) in self._digests

    def __len__(self) -> int:
        return len(self._digests)
