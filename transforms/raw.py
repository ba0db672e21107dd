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
    """The (external id, content hash) pairs an export holds, an id held by several rows with
    its last row's hash only: that row's version is the one the export holds, wherever the
    others fell (``store.land_raw_rows`` keeps the later row of one id, and a snapshot makes
    current exactly these pairs, ``store.match_snapshot``; were every row's pair kept, an
    earlier version landed on another night, or in an earlier chunk of the same export,
    would be made current beside the later one, where one clean sync keeps the later alone).

    Kept as digests: a 200 MB export's 1.5 million pairs as tuples of strings cost 400 MB;
    as a 16-byte digest of each id and an 8-byte digest of its hash, about half of that.
    ``pair in keys`` as with a set (a collision needs 2**64 pairs)."""

    def __init__(self) -> None:
        self._hashes: dict[bytes, bytes] = {}

    @staticmethod
    def _digest(text: str, size: int) -> bytes:
        return hashlib.blake2b(text.encode(), digest_size=size).digest()

    def add(self, external_id: str, content_hash: str) -> None:
        self._hashes[self._digest(external_id, 16)] = self._digest(content_hash, 8)

    def __contains__(self, pair: object) -> bool:
        if not isinstance(pair, tuple) or len(pair) != 2:
            return False
        external_id, content_hash = pair
        return self._hashes.get(self._digest(external_id, 16)) == self._digest(content_hash, 8)

    def __len__(self) -> int:
        return len(self._hashes)
