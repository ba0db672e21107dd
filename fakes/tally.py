"""A local Tally API serving fictional sign-ups, faithful to what Tally documents.

Routes (https://developers.tally.so, API reference and "Fetching form submissions" guide):

- ``GET /forms/{id}/submissions?page=&limit=&filter=&startDate=&endDate=`` ->
  ``{page, limit, hasMore, totalNumberOfSubmissionsPerFilter{all, completed, partial},
  questions[], submissions[]}``, newest first as in the guide's example; ``limit`` defaults
  to 50 and is refused above 500; ``startDate``/``endDate`` are inclusive.
- ``GET /forms/{id}/questions`` -> ``{questions[], hasResponses}``.
- ``DELETE /forms/{id}/submissions/{submissionId}`` (or ``delete(id)``): the submission is
  gone; later listings simply no longer hold it.
- A wrong Bearer token gets 401, an unknown form 404. Tally does not document its error
  body; ``{"message": ...}`` is an assumption, and the connector reads only the status.

Also assumptions, since Tally documents neither: choice answers are served as a list of
option ids and a choice question lists its options as ``options[{id, text}]`` (the shape of
Tally's webhooks). ``transforms.answers.tally`` accepts the other shapes seen in the wild.

Usage::

    with FakeServer() as server:
        fake = serve_tally(server, generate_submissions(1200, seed=7))
        connector = TallyForm(session, source="tally", form_id=FORM_ID, token=TOKEN, base_url=server.url)
"""

from __future__ import annotations

import bisect
import random
import string
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from fakes.http_server import FakeServer, Request, Response

FORM_ID = "wMvo4K"
TOKEN = "tly-fake-7Hq2LrX9pZ0c"
MAX_LIMIT = 500
DEFAULT_LIMIT = 50

Q_FIRST_NAME, Q_LAST_NAME, Q_EMAIL, Q_PHONE = "EKOE2N", "ro8Zd1", "Mx0pQa", "9zPb4L"
Q_SITE, Q_SLOTS, Q_AGE, Q_BIRTH_DATE, Q_CONSENT = "Gy3kWv", "VbN7eR", "t8Rm1C", "Jd5sYh", "p4Lq2X"

SITE_OPTIONS = {
    "5f0c7a52-1d8e-4e5a-9a51-3b7f1c2d9e01": "Paris",
    "a2e4b9c1-7f3d-4b6a-8c2e-9d1f0a3b5c02": "Lyon",
    "c7d1e3f5-2a4b-4c6d-8e0f-1a3b5c7d9e03": "Marseille",
    "e9f1a3b5-4c6d-4e8f-9a1b-3c5d7e9f1a04": "Lille",
    "13579bdf-2468-4ace-8bdf-13579bdf2405": "Saint-Denis",
    "2468ace0-1357-49bd-8ace-02468ace1306": "Bordeaux",
}
SLOT_OPTIONS = {
    "0b1c2d3e-4f50-4617-8293-a4b5c6d7e807": "Matin (9h-13h)",
    "1c2d3e4f-5061-4728-93a4-b5c6d7e8f908": "Après-midi (13h-18h)",
}
CONSENT_OPTIONS = {"7e8f9a0b-1c2d-4e3f-8a5b-6c7d8e9f0a09": "J'accepte"}


def _question(question_id: str, kind: str, title: str, options: dict[str, str] | None = None) -> dict[str, Any]:
    question: dict[str, Any] = {
        "id": question_id, "type": kind, "title": title,
        "fields": [{"uuid": f"{question_id.lower()}-field", "type": "INPUT_FIELD", "questionType": kind,
                    "title": title}],
    }  # fmt: skip
    if options:
        question["options"] = [{"id": option_id, "text": label} for option_id, label in options.items()]
    return question


QUESTIONS: list[dict[str, Any]] = [
    _question(Q_FIRST_NAME, "INPUT_TEXT", "Prénom"),
    _question(Q_LAST_NAME, "INPUT_TEXT", "Nom"),
    _question(Q_EMAIL, "INPUT_EMAIL", "Adresse e-mail"),
    _question(Q_PHONE, "INPUT_PHONE_NUMBER", "Téléphone"),
    _question(Q_SITE, "MULTIPLE_CHOICE", "Sur quel site voulez-vous aider ?", SITE_OPTIONS),
    _question(Q_SLOTS, "CHECKBOXES", "Quels créneaux ?", SLOT_OPTIONS),
    _question(Q_AGE, "INPUT_NUMBER", "Âge"),
    _question(Q_BIRTH_DATE, "INPUT_DATE", "Date de naissance"),
    _question(Q_CONSENT, "CHECKBOXES", "J'accepte que mes données servent à organiser la journée", CONSENT_OPTIONS),
]

FIRST_NAMES = (
    "Hélène",
    "Zoé",
    "François",
    "Anaïs",
    "Jérôme",
    "Maëlle",
    "Karim",
    "Fatou",
    "Lucas",
    "Inès",
    "Thibault",
    "Mei",
    "Yanis",
    "Océane",
    "Moussa",
    "Chloé",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "N'Diaye",
    "Le Goff",
    "Nguyen",
    "Lefèvre",
    "Haddad",
    "Morel",
    "Da Silva",
    "Rousseau",
    "Benali",
    "Faure",
    "Lambert",
    "Diallo",
    "Girard",
)
_ID_ALPHABET = string.ascii_letters + string.digits


def generate_submissions(
    count: int, *, seed: int = 0, start: datetime = datetime(2024, 9, 2, 7, tzinfo=UTC), form_id: str = FORM_ID
) -> list[dict[str, Any]]:
    """``count`` fictional completed submissions, oldest first, a few seconds to minutes
    apart; the same seed gives the same submissions. Some skip the phone question or send it
    as ``null``, as respondents and Tally do."""
    rng = random.Random(seed)
    used: set[str] = set()
    submissions = []
    moment = start
    for number in range(count):
        moment += timedelta(seconds=rng.randint(1, 240), milliseconds=rng.randint(0, 999))
        submissions.append(_submission(rng, number, moment, form_id, used))
    return submissions


def _submission(rng: random.Random, number: int, moment: datetime, form_id: str, used: set[str]) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    answers: list[tuple[str, Any]] = [
        (Q_FIRST_NAME, first),
        (Q_LAST_NAME, last),
        (Q_EMAIL, f"{_ascii(first)}.{_ascii(last)}{number}@example.org"),
        (Q_SITE, [rng.choice(list(SITE_OPTIONS))]),
        (Q_SLOTS, rng.sample(list(SLOT_OPTIONS), rng.randint(1, 2))),
        (Q_AGE, rng.randint(16, 80)),
        (Q_BIRTH_DATE, f"{rng.randint(1944, 2008)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"),
        (Q_CONSENT, list(CONSENT_OPTIONS)),
    ]
    phone = rng.random()
    if phone < 0.8:
        answers.insert(3, (Q_PHONE, f"+336{rng.randint(0, 99_999_999):08d}"))
    elif phone < 0.9:
        answers.insert(3, (Q_PHONE, None))
    return {
        "id": _unique_id(rng, used),
        "formId": form_id,
        "respondentId": _unique_id(rng, used),
        "isCompleted": True,
        "submittedAt": format_time(moment),
        "responses": [
            {"id": _short_id(rng, 7), "questionId": question_id, "answer": answer} for question_id, answer in answers
        ],
    }


def format_time(moment: datetime) -> str:
    """Tally's timestamp format: ``2024-12-30T09:02:01.000Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _unique_id(rng: random.Random, used: set[str]) -> str:
    while (candidate := _short_id(rng, 6)) in used:
        pass
    used.add(candidate)
    return candidate


def _short_id(rng: random.Random, length: int) -> str:
    """A Tally-looking id: ``length`` letters and digits."""
    number, chars = rng.getrandbits(6 * length), []
    for _ in range(length):
        number, digit = divmod(number, 62)
        chars.append(_ID_ALPHABET[digit])
    return "".join(chars)


def _ascii(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return "".join(c for c in decomposed if c.isascii() and c.isalnum())


class TallyFake:
    """The state behind the routes: one form's questions and submissions.

    ``tamper``, when set, is called as ``tamper(n, body)`` for the n-th submissions request
    served (1-based) and returns the body to send instead, to serve a malformed page.
    ``before_page``, when set, is called as ``before_page(n)`` when the n-th submissions
    request arrives, before its page is cut: what it changes (``delete``, ``upsert``) happens
    between two page requests of a pull, as a respondent or the form's owner would.
    """

    def __init__(
        self, submissions: Iterable[dict[str, Any]], *, form_id: str, token: str, questions: list[dict[str, Any]]
    ) -> None:
        self.form_id = form_id
        self.token = token
        self.questions = questions
        self.submissions = list(submissions)
        self.tamper: Callable[[int, dict[str, Any]], Any] | None = None
        self.before_page: Callable[[int], None] | None = None
        self.served = 0
        self.requested = 0
        self._index: dict[str, tuple[list[dict[str, Any]], list[float]]] | None = None

    def upsert(self, submission: dict[str, Any]) -> None:
        """Add a submission, or replace the one with the same id (an edit)."""
        self.submissions = [s for s in self.submissions if s["id"] != submission["id"]] + [submission]
        self._index = None

    def delete(self, submission_id: str) -> None:
        """Delete a submission, as its form's owner can in Tally (or through
        ``DELETE /forms/{id}/submissions/{submissionId}``): it no longer appears in any
        listing, and nothing in later answers says it was ever there."""
        kept = [s for s in self.submissions if s["id"] != submission_id]
        if len(kept) == len(self.submissions):
            raise KeyError(submission_id)
        self.submissions = kept
        self._index = None

    def handle_delete(self, request: Request) -> Response:
        """``DELETE /forms/{id}/submissions/{submissionId}``: 204, or 404 for an unknown id
        (Tally documents neither body; the connector never calls this route)."""
        if (refused := self._refuse(request)) is not None:
            return refused
        try:
            self.delete(request.params["submission_id"])
        except KeyError:
            return Response(404, {"message": "Submission not found"})
        return Response(204)

    def handle_submissions(self, request: Request) -> Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        try:
            page = int(request.arg("page", "1"))
            limit = int(request.arg("limit", str(DEFAULT_LIMIT)))
            start, end = _bound(request.arg("startDate")), _bound(request.arg("endDate"))
        except ValueError:
            return Response(400, {"message": "Invalid query parameters"})
        kind = request.arg("filter", "all")
        if page < 1 or not 1 <= limit <= MAX_LIMIT or kind not in ("all", "completed", "partial"):
            return Response(400, {"message": "Invalid query parameters"})
        self.requested += 1
        if self.before_page:
            self.before_page(self.requested)
        counts = {name: len(self._window(name, start, end)) for name in ("all", "completed", "partial")}
        matching = self._window(kind, start, end)
        body = {
            "page": page, "limit": limit, "hasMore": page * limit < len(matching),
            "totalNumberOfSubmissionsPerFilter": counts,
            "questions": self.questions,
            "submissions": matching[(page - 1) * limit: page * limit],
        }  # fmt: skip
        self.served += 1
        return Response(200, self.tamper(self.served, body) if self.tamper else body)

    def handle_questions(self, request: Request) -> Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        return Response(200, {"questions": self.questions, "hasResponses": bool(self.submissions)})

    def _refuse(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Response(401, {"message": "Unauthorized"})
        if request.params.get("form_id") != self.form_id:
            return Response(404, {"message": "Form not found"})
        return None

    def _window(self, kind: str, start: datetime | None, end: datetime | None) -> list[dict[str, Any]]:
        """The submissions of a filter between two inclusive bounds, newest first."""
        ordered, keys = self._ordered()[kind]
        low = bisect.bisect_left(keys, -end.timestamp()) if end else 0
        high = bisect.bisect_right(keys, -start.timestamp()) if start else len(keys)
        return ordered[low:high]

    def _ordered(self) -> dict[str, tuple[list[dict[str, Any]], list[float]]]:
        """Per filter: submissions newest first, and their negated times for bisecting."""
        if self._index is None:
            timed = sorted(
                ((_parse(s["submittedAt"]).timestamp(), s) for s in self.submissions),
                key=lambda pair: (-pair[0], pair[1]["id"]),
            )
            self._index = {}
            for kind, keep in (
                ("all", lambda s: True),
                ("completed", lambda s: s.get("isCompleted")),
                ("partial", lambda s: not s.get("isCompleted")),
            ):
                chosen = [(t, s) for t, s in timed if keep(s)]
                self._index[kind] = ([s for _, s in chosen], [-t for t, _ in chosen])
        return self._index


def serve_tally(
    server: FakeServer,
    submissions: Iterable[dict[str, Any]],
    *,
    form_id: str = FORM_ID,
    token: str = TOKEN,
    questions: list[dict[str, Any]] | None = None,
) -> TallyFake:
    """Register Tally's routes on ``server`` for one form holding ``submissions``."""
    fake = TallyFake(submissions, form_id=form_id, token=token, questions=questions or QUESTIONS)
    server.route("GET", r"/forms/(?P<form_id>[^/]+)/submissions", fake.handle_submissions)
    server.route("GET", r"/forms/(?P<form_id>[^/]+)/questions", fake.handle_questions)
    server.route("DELETE", r"/forms/(?P<form_id>[^/]+)/submissions/(?P<submission_id>[^/]+)", fake.handle_delete)
    return fake


def _parse(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _bound(value: str | None) -> datetime | None:
    return _parse(value) if value else None
