"""Identity in the database: what the matcher is given, the evidence and review pairs it
leaves, and the decisions people take on them (merge, split). No decisions of its own."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.orm import Session, aliased

from rollcall.connectors.database import batches, insert_many, json_strings, json_text, read_rows, update_many
from rollcall.models.records import REMOVED
from rollcall.models.tables import (
    Event,
    MatchDecision,
    MatchLink,
    Person,
    RawRecord,
    Registration,
    ReviewPair,
    Signup,
    table_of,
    utcnow,
)


def site_names(session: Session, campaign: str) -> dict[int, str]:
    """Event id -> its site's name."""
    return dict(session.execute(select(Event.id, Event.name).where(Event.campaign == campaign)).all())


def decisions_by_record(session: Session, campaign: str) -> list[tuple[tuple[str, str], tuple[str, str], bool]]:
    """Every decision as (record key, record key, same): a decision is about two source
    records, so it holds for their later versions too (an edit makes a new sign-up row)."""
    key_a, key_b = aliased(RawRecord), aliased(RawRecord)
    sign_a, sign_b = aliased(Signup), aliased(Signup)
    query = (
        select(key_a.source, key_a.external_id, key_b.source, key_b.external_id, MatchDecision.same)
        .join(sign_a, sign_a.id == MatchDecision.signup_a)
        .join(key_a, key_a.id == sign_a.raw_record_id)
        .join(sign_b, sign_b.id == MatchDecision.signup_b)
        .join(key_b, key_b.id == sign_b.raw_record_id)
        .where(key_a.campaign == campaign)
        .order_by(MatchDecision.decided_at, MatchDecision.id)  # a later decision on a pair wins
    )
    latest: dict[frozenset, tuple[tuple[str, str], tuple[str, str], bool]] = {}
    for sa, ea, sb, eb, same in session.execute(query):
        latest[frozenset({(sa, ea), (sb, eb)})] = ((sa, ea), (sb, eb), same)
    return list(latest.values())


def replace_links(
    session: Session, current_ids: set[int], links: Iterable[tuple[int, int, str, float, list[str]]]
) -> None:
    """Make the evidence between current sign-ups exactly this resolution's merges; links
    of older versions stay as history."""
    wanted = {tuple(sorted((a, b))): (rule, score, evidence) for a, b, rule, score, evidence in links}
    existing = {(row.signup_a, row.signup_b): row for row in _pairs_touching(session, MatchLink, current_ids)}
    gone = [row.id for pair, row in existing.items() if pair not in wanted]
    changed = [
        {"id": row.id, "rule": wanted[pair][0], "score": wanted[pair][1], "evidence": wanted[pair][2]}
        for pair, row in existing.items()
        if pair in wanted and (row.rule, json_strings(row.evidence)) != (wanted[pair][0], wanted[pair][2])
    ]
    new = [
        {"signup_a": a, "signup_b": b, "rule": rule, "score": score, "evidence": evidence}
        for (a, b), (rule, score, evidence) in sorted(wanted.items())
        if (a, b) not in existing
    ]
    _write_pairs(session, MatchLink, gone, changed, new)


def replace_review_pairs(
    session: Session, current_ids: set[int], pairs: Iterable[tuple[int, int, str, float, list[str], str]]
) -> int:
    """Make the open pairs between current sign-ups exactly this resolution's doubtful ones
    (a pair already waiting keeps its id); decided pairs stay as history. Returns how many
    pairs were added."""
    wanted = {tuple(sorted((a, b))): rest for a, b, *rest in pairs}
    existing = {(row.signup_a, row.signup_b): row for row in _pairs_touching(session, ReviewPair, current_ids)}
    gone = [row.id for pair, row in existing.items() if row.status == "open" and pair not in wanted]
    changed = []
    new = []
    for (a, b), (rule, score, evidence, explanation) in sorted(wanted.items()):
        row = existing.get((a, b))
        facts = {"rule": rule, "score": score, "evidence": evidence, "explanation_fr": explanation}
        if row is None:
            new.append({"signup_a": a, "signup_b": b, **facts})
        elif row.status == "open" and (row.rule, row.explanation_fr) != (rule, explanation):
            changed.append({"id": row.id, **facts})
    _write_pairs(session, ReviewPair, gone, changed, new)
    return len(new)


def _write_pairs(
    session: Session, model: type[MatchLink] | type[ReviewPair], gone: list[int], changed: list, new: list
) -> None:
    """Delete, update (by id) and insert pair rows, a statement or an executemany each: no
    ORM objects, a first sync stores a link per merged sign-up."""
    for chunk in batches(gone):
        session.execute(delete(model).where(model.id.in_(chunk)))
    update_many(session, table_of(model), changed)
    insert_many(session, table_of(model), new)


def _pairs_touching(session: Session, model: type[MatchLink] | type[ReviewPair], signup_ids: set[int]) -> list[Row]:
    """The rows of ``model`` with a sign-up among ``signup_ids``, as columns.

    One read of the table, kept in Python: the ids are every current sign-up of a campaign
    (100,000 of them make 200 ``IN`` queries of 1,000 bound ids, three times slower).
    ``evidence`` comes as its JSON text (``json_strings`` decodes it where compared)."""
    columns = [model.id, model.signup_a, model.signup_b, model.rule, json_text(model.evidence).label("evidence")]
    if model is ReviewPair:
        columns += [ReviewPair.status, ReviewPair.explanation_fr]
    return [
        row
        for row in read_rows(session, select(*columns).order_by(model.id))
        if row.signup_a in signup_ids or row.signup_b in signup_ids
    ]


def count_open_review_pairs(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ReviewPair).where(ReviewPair.status == "open")) or 0


def open_review_pairs(session: Session) -> list[ReviewPair]:
    return list(session.scalars(select(ReviewPair).where(ReviewPair.status == "open").order_by(ReviewPair.id)))


def record_decision(session: Session, signup_a: int, signup_b: int, same: bool, decided_by: str) -> None:
    """Store (or change) a decision on a pair and close its review, if any."""
    a, b = sorted((signup_a, signup_b))
    decision = session.scalar(select(MatchDecision).where(MatchDecision.signup_a == a, MatchDecision.signup_b == b))
    if decision is None:
        session.add(MatchDecision(signup_a=a, signup_b=b, same=same, decided_by=decided_by))
    else:
        decision.same, decision.decided_by, decision.decided_at = same, decided_by, utcnow()
    session.execute(
        update(ReviewPair).where(ReviewPair.signup_a == a, ReviewPair.signup_b == b).values(status="decided")
    )


def merge_people(session: Session, keep_id: int, gone_id: int) -> None:
    """Move every sign-up and registration of person ``gone_id`` to ``keep_id``. Where both
    had a registration for the same event, the kept person's stays (with its roster row) and
    the other stays with ``gone_id`` as "removed": its reference is still this site's, so its
    roster row leaves the roster by the roster's rules (removed, or "Retiré" when the
    coordinator typed in it) instead of lingering as a row of nobody."""
    if keep_id == gone_id:
        return
    session.execute(update(Signup).where(Signup.person_id == gone_id).values(person_id=keep_id))
    kept_events = set(session.scalars(select(Registration.event_id).where(Registration.person_id == keep_id)))
    for registration in session.scalars(select(Registration).where(Registration.person_id == gone_id)):
        if registration.event_id in kept_events:
            registration.status, registration.updated_at = REMOVED, utcnow()
        else:
            registration.person_id = keep_id
    session.flush()


def split_signup(session: Session, signup_id: int, decided_by: str, overrule: bool = True) -> int | None:
    """Take a sign-up (and the other versions of its record) out of its person into a new
    one, and record that it is not the same person as the current sign-ups left behind, so
    no later run merges them again. Returns the new person's id, or None when the sign-up is
    already alone in its person: nothing changes, so running it twice is harmless.

    ``overrule``: the decisions already taken on the sign-up and those left behind become
    "different" too, as ``rollcall unmerge`` asks ("not the same person as any of them").
    Without it, as for a review pair decided "different", they stand: deciding that Marie is
    not Marion must not undo a reviewer's "Marie is Marie-Claire" (the next sync resolves
    everyone under both, as one clean sync given the same decisions would).

    The person, and the registration of each event where sign-ups stay, keep their ids and
    roster references; an event only the moving record was for takes its registration (row,
    reference, what coordinators typed) along."""
    signup = session.get_one(Signup, signup_id)
    record = signup.raw_record
    versions = list(
        session.scalars(
            select(Signup)
            .join(RawRecord, Signup.raw_record_id == RawRecord.id)
            .where(
                RawRecord.source == record.source,
                RawRecord.external_id == record.external_id,
                RawRecord.campaign == record.campaign,
            )
        )
    )
    staying = list(
        session.scalars(
            select(Signup)
            .join(RawRecord, Signup.raw_record_id == RawRecord.id)
            .where(
                Signup.person_id == signup.person_id,
                Signup.id.not_in([s.id for s in versions]),
                RawRecord.is_current.is_(True),
            )
        )
    )
    if not staying:
        return None
    current = next((s for s in versions if s.raw_record.is_current), signup)
    person = Person(
        first_name=current.first_name,
        last_name=current.last_name,
        email=current.email,
        phone=current.phone,
    )
    session.add(person)
    session.flush()
    leaving_events = {s.event_id for s in versions} - {s.event_id for s in staying}
    for registration in session.scalars(
        select(Registration).where(
            Registration.person_id == signup.person_id, Registration.event_id.in_(leaving_events)
        )
    ):
        registration.person_id = person.id
    for moved in versions:
        moved.person_id, moved.match_rule = person.id, "unmerged"
    decided = set() if overrule else _records_decided_with(session, versions)
    for other in staying:
        if (other.raw_record.source, other.raw_record.external_id) not in decided:
            record_decision(session, current.id, other.id, same=False, decided_by=decided_by)
    return person.id


def _records_decided_with(session: Session, versions: Sequence[Signup]) -> set[tuple[str, str]]:
    """The records (source, external id) a decision already pairs with any version of this
    record: a decision holds for the records, whichever of their versions it was taken on."""
    ids = {s.id for s in versions}
    pairs = session.execute(
        select(MatchDecision.signup_a, MatchDecision.signup_b).where(
            MatchDecision.signup_a.in_(ids) | MatchDecision.signup_b.in_(ids)
        )
    )
    others = {b if a in ids else a for a, b in pairs}
    keys = select(RawRecord.source, RawRecord.external_id).join(Signup, Signup.raw_record_id == RawRecord.id)
    return {(source, external_id) for source, external_id in session.execute(keys.where(Signup.id.in_(others)))}


def person_signups(session: Session, registration_id: int) -> list[tuple[Signup, RawRecord]] | None:
    """The sign-ups behind a registration's person, with their raw records, oldest first;
    None when there is no such registration."""
    registration = session.get(Registration, registration_id)
    if registration is None:
        return None
    query = (
        select(Signup, RawRecord)
        .join(RawRecord, Signup.raw_record_id == RawRecord.id)
        .where(Signup.person_id == registration.person_id)
        .order_by(Signup.submitted_at, Signup.id)
    )
    return [(signup, raw) for signup, raw in session.execute(query)]


def links_of(session: Session, signup_ids: Iterable[int]) -> list[MatchLink]:
    ids = list(signup_ids)
    return list(session.scalars(select(MatchLink).where(MatchLink.signup_a.in_(ids) | MatchLink.signup_b.in_(ids))))


def review_pairs(session: Session, campaign: str, status: str | None = "open") -> list[ReviewPair]:
    """The campaign's review pairs (``status`` None: open and decided), oldest first."""
    query = (
        select(ReviewPair)
        .join(Signup, Signup.id == ReviewPair.signup_a)
        .join(Event, Event.id == Signup.event_id)
        .where(Event.campaign == campaign)
    )
    if status is not None:
        query = query.where(ReviewPair.status == status)
    return list(session.scalars(query.order_by(ReviewPair.id)))


def signups_for_review(session: Session, signup_ids: Iterable[int]) -> dict[int, tuple[Signup, Event, int | None]]:
    """Sign-up id -> (sign-up, its event, the id of its person's registration there, if any)."""
    query = (
        select(Signup, Event, Registration.id)
        .join(Event, Event.id == Signup.event_id)
        .outerjoin(
            Registration, (Registration.person_id == Signup.person_id) & (Registration.event_id == Signup.event_id)
        )
        .where(Signup.id.in_(list(signup_ids)))
    )
    return {signup.id: (signup, event, registration) for signup, event, registration in session.execute(query)}


def decision_on(session: Session, signup_a: int, signup_b: int) -> MatchDecision | None:
    a, b = sorted((signup_a, signup_b))
    return session.scalar(select(MatchDecision).where(MatchDecision.signup_a == a, MatchDecision.signup_b == b))


def decisions(session: Session, campaign: str) -> list[tuple[MatchDecision, int | None]]:
    """Every decision of the campaign with the review pair it answered (None: an unmerge)."""
    query = (
        select(MatchDecision, ReviewPair.id)
        .join(Signup, Signup.id == MatchDecision.signup_a)
        .join(Event, Event.id == Signup.event_id)
        .outerjoin(
            ReviewPair,
            (ReviewPair.signup_a == MatchDecision.signup_a) & (ReviewPair.signup_b == MatchDecision.signup_b),
        )
        .where(Event.campaign == campaign)
        .order_by(MatchDecision.decided_at, MatchDecision.id)
    )
    return [(decision, pair_id) for decision, pair_id in session.execute(query)]
