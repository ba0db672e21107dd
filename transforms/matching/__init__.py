"""Identity resolution: which sign-ups are the same person? Pure: no I/O, numpy only.

Public entry points
-------------------
``resolve(records, decisions=(), catalog=None) -> Resolution``
    Resolve a whole batch from scratch. ``records`` is an iterable of ``MatchRecord`` or a
    column mapping (``{"record_id": [...], "first_name": [...], ...}``, a pandas DataFrame
    works) with the ``MatchRecord`` field names; missing columns count as empty.
``PeopleIndex(catalog)`` / ``PeopleIndex.from_people(records, person_keys, catalog)``
    Known sign-ups with their people. ``index.add(new_records, decisions)`` matches a batch
    against the index and within itself, adds it, and returns a ``Resolution`` for the batch
    (record ids already in the index keep their person: a rerun changes nothing).
    ``index.warm()`` builds the lookup structures ahead of the first ``add``.
``Resolution``
    ``person_of`` (record id -> person key: a known person's key, or for a new person the
    record id of its earliest sign-up), ``links`` (every merge with its rule, score and
    evidence codes), ``review`` (grey-zone pairs and refused links, never merged, each with a
    French ``explanation``: "même téléphone, prénom proche : Jean-Pierre / Jean Pierre").
``Decision(record_a, record_b, same)``
    A person's answer on a review pair; pass every stored decision on every run.

How it works
------------
1. ``keys``: names folded (accents, case, hyphens; mojibake repaired), emails keyed with
   Gmail dots and +tags dropped (domain typos kept, compared as "near"), phones in E.164,
   placeholders ("pas de mail", "NC", "0000000000") as no contact,
   free-text sites resolved by ``SiteCatalog``. Each distinct raw value is derived once.
2. ``blocking``: candidate pairs share an email, phone, sorted name words, email local part
   or its letters; or have phones one digit apart; or the same name, site and day.
3. ``rules``: each pair is compared and the first applicable rule of an ordered, documented
   list decides MATCH, REVIEW or NO, with name frequency as evidence strength (in the
   campaign, at the site, at the site that day) and name counts telling a typo ("Erwzn")
   from another name ("Lucie" beside "Lucas").
4. ``clustering``: matches are applied strongest first; a merge that would put two clearly
   different first names (a household) or a "different" decision in one person is refused.

For the integrator
------------------
- Persist ``Link`` rows (record_a, record_b, rule, score, evidence codes) for merges and
  ``ReviewPair`` rows (plus ``explanation``) for review; ``RULES`` gives the rule codes.
- Store decisions as (record_a, record_b, same) and pass them all on every run: a
  "different" decision wins over any rule and is never bridged by a chain; a "same"
  decision merges even clearly different names. In an incremental ``add``, a decision between
  two already known sign-ups cannot merge two known people (that is a database operation,
  e.g. ``rollcall unmerge`` / merge); it is reported as a refused link in ``review``.
- New people are keyed by their earliest record id: map each key to a new person row.
- The index keeps everything in memory (~1.6 GB at a million sign-ups); build it once per run
  with ``from_people`` from the stored (sign-up, person) pairs, then ``add`` the new batch.
"""

from rollcall.transforms.matching.index import (
    Decision,
    Link,
    PeopleIndex,
    Resolution,
    ReviewPair,
    resolve,
)
from rollcall.transforms.matching.keys import MatchRecord
from rollcall.transforms.matching.rules import RULES

__all__ = [
    "RULES", "Decision", "Link", "MatchRecord", "PeopleIndex", "Resolution", "ReviewPair", "resolve",
]  # fmt: skip
