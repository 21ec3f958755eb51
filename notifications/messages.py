"""Rendering lifecycle messages from the templates, one per recipient in that recipient's language."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel
from sqlmodel import Session, select

from domain import repository as repo
from domain.alerts import Alert
from domain.changes import LineChange, change_parts, line_changes
from domain.decision import granted_shares
from domain.formatting import format_date, format_instant, format_money
from domain.model import Application, ChangeRequest, Contact, Decision, DecisionLine, Duty, DutyPhase, Language, Organisation, Project
from notifications.headers import one_line
from notifications.outbox import OutgoingMessage
from notifications.recipients import Party, Role, display_name, parties, party_targets

TEMPLATES = Path(__file__).parent / "templates"

# Titles of the duties grantflow creates itself; imported duties keep the title they came with.
DUTY_TITLES: dict[str, dict[Language, str]] = {
    "grant-acceptance": {
        Language.FI: "Avustuksen vastaanottoilmoitus",
        Language.SV: "Meddelande om mottagande av understödet",
        Language.EN: "Acceptance of the grant and its terms",
    },
    "revised-plan": {
        Language.FI: "Myönnettyyn summaan tarkistettu hankesuunnitelma ja talousarvio",
        Language.SV: "Projektplan och budget reviderade till det beviljade beloppet",
        Language.EN: "Project plan and budget revised to the granted amount",
    },
    "steering-group": {
        Language.FI: "Hankkeen ohjausryhmän asettaminen",
        Language.SV: "Tillsättande av projektets styrgrupp",
        Language.EN: "Project steering group appointed",
    },
    "final-report": {Language.FI: "Loppuraportti", Language.SV: "Slutrapport", Language.EN: "Final report"},
}
_ANNUAL = {Language.FI: "Vuosiraportti", Language.SV: "Årsrapport", Language.EN: "Annual report"}


def duty_title(kind: str, title: str, language: Language) -> str:
    if kind in DUTY_TITLES:
        return DUTY_TITLES[kind][language]
    if kind.startswith("annual-report-"):
        return f"{_ANNUAL[language]} {kind.rsplit('-', 1)[1]}"
    return title


class _Line(BaseModel):
    number: int
    name: str
    requested_cents: int
    granted_cents: int


class _Share(BaseModel):
    """A participant's part of a multi-region project: what it asked for and, once decided, what it was granted."""

    organisation_id: str
    name: str
    requested_cents: int
    granted_cents: int | None = None


class _DutyView(BaseModel):
    title: str
    due_at: datetime


# A line break inside a value stands apart from the template's own lines while rendering: in the
# subject (the first line) it is folded to a space, in the body it is a line break again.
_VALUE_BREAK = "\ue000"
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def _apart(value: Any) -> Any:
    return _LINE_BREAKS.sub(_VALUE_BREAK, value) if isinstance(value, str) else value


_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True,
                   finalize=_apart)
_env.filters["money"] = lambda cents, lang: format_money(cents, Language(lang))
_env.filters["instant"] = lambda moment, lang: format_instant(moment, Language(lang))
_env.filters["day"] = lambda day, lang: format_date(day, Language(lang))


def render(template: str, language: Language, **context: Any) -> tuple[str, str]:
    """Subject (the template's first line) and body in `language`."""
    text = _env.get_template(f"{language.value}/{template}.j2").render(lang=language.value, **context)
    subject, _, body = text.partition("\n")
    return one_line(subject.replace(_VALUE_BREAK, " ")), body.replace(_VALUE_BREAK, "\n").strip() + "\n"


def message_key(kind: str, application_id: str, recipient: str) -> str:
    """A lifecycle message's outbox key: one message of each kind per application and recipient."""
    return f"{kind}:{application_id}:{recipient}"


def _messages(
    kind: str,
    app: Application,
    recipients: list[tuple[Contact | None, Party]],
    duties: list[Duty] | None = None,
    *,
    lead_duties: list[Duty] | None = None,
    shares: list[_Share] | None = None,
    about: str | None = None,
    **context: Any,
) -> list[OutgoingMessage]:
    """One copy per target in its language; a participant's copy names its own share, and the lead's duties go to
    the lead and the officer only. `about` keys the message to one of several things of an application (a change request)."""
    out: list[OutgoingMessage] = []
    for target in party_targets(list(recipients)):
        party = target.party
        participant = party is not None and party.role == Role.PARTICIPANT
        own = next((s for s in shares or [] if party is not None and s.organisation_id == party.organisation_id), None) if participant else None
        owed = [*(duties or []), *([] if participant else lead_duties or [])]
        views = [_DutyView(title=duty_title(d.kind, d.title, target.language), due_at=d.due_at) for d in sorted(owed, key=lambda d: (d.due_at, d.kind))]
        subject, body = render(kind, target.language, app=app, duties=views, party=party, own=own, shares=shares or [], **context)
        out.append(
            OutgoingMessage(
                key=message_key(kind, about or app.id, target.address),
                application_id=app.id,
                recipient=target.address,
                language=target.language,
                subject=subject,
                body=body,
            )
        )
    return out


def _shares(session: Session, app: Application, decision: Decision | None = None) -> list[_Share]:
    """The listed participants' requests, and their grants once there is a decision."""
    participants = repo.participants(session, app.id)
    granted = granted_shares(decision, participants, repo.decision_shares(session, decision.id)) if decision else {}
    return [
        _Share(organisation_id=p.organisation_id, name=display_name(repo.get(session, Organisation, p.organisation_id, field="participants.organisation")),
               requested_cents=p.requested_cents, granted_cents=granted.get(p.organisation_id))
        for p in participants
    ]


def submitted_messages(session: Session, app: Application, at: datetime) -> list[OutgoingMessage]:
    """The receipt: to the lead, to each participant with its own share, and to the officer."""
    return _messages("submitted", app, parties(session, app), shares=_shares(session, app), call=repo.call_of(session, app), at=at)


def decision_messages(session: Session, app: Application, decision: Decision) -> list[OutgoingMessage]:
    """The lead, a joint project's participants (each with its own grant) and the officer hear of the decision."""
    sub_areas = {s.id: s for s in repo.sub_areas(session, app.id)}
    lines = [
        _Line(number=sub_areas[line.sub_area_id].number, name=sub_areas[line.sub_area_id].name,
              requested_cents=sub_areas[line.sub_area_id].requested_cents, granted_cents=line.granted_cents)
        for line in session.exec(select(DecisionLine).where(DecisionLine.decision_id == decision.id))
    ]
    lines.sort(key=lambda line: line.number)
    # The acceptance and the start-up documents are the lead's to deliver.
    lead_duties = repo.duties(session, app.id, DutyPhase.STARTUP)
    return _messages("decision", app, parties(session, app), lead_duties=lead_duties, shares=_shares(session, app, decision),
                     decision=decision, lines=lines)


def started_messages(session: Session, app: Application, project: Project, at: datetime) -> list[OutgoingMessage]:
    """Every party hears of the start and of the reporting deadlines, which concern the whole project."""
    duties = repo.duties(session, app.id, DutyPhase.REPORTING)
    shares = _shares(session, app, repo.decision_of(session, app.id))
    return _messages("started", app, parties(session, app), duties, shares=shares, project=project, at=at)


def alert_messages(session: Session, alert: Alert) -> list[OutgoingMessage]:
    """An alert goes to the call's officer, once per application and kind."""
    app = repo.application(session, alert.application_id)
    duties = [d for d in repo.duties(session, app.id, DutyPhase.STARTUP) if d.done_at is None]
    officers = [(contact, party) for contact, party in parties(session, app, participants=False) if party.role == Role.OFFICER]
    return _messages(alert.kind.value, app, officers, duties, since=alert.since, days=alert.days)


class _PartView(BaseModel):
    number: int
    kind: str
    outcome: str
    justification: str
    duty: str | None = None
    due_at: datetime | None = None
    content: str | None = None
    leaving: str | None = None
    joining: str | None = None
    lines: list[LineChange] = []


def change_decided_messages(session: Session, app: Application, request: ChangeRequest) -> list[OutgoingMessage]:
    """The applicant (and the officer) hear how each part of a change request was decided, lines requested / before / after."""
    views = []
    for part in change_parts(session, request.id):
        assert part.outcome is not None and part.justification is not None
        duty = repo.duty(session, app.id, part.duty_kind) if part.duty_kind else None
        leaving, joining = (display_name(repo.get(session, Organisation, o, field="participant")) if o else None for o in (part.leaving_id, part.joining_id))
        views.append(_PartView(number=part.number, kind=part.kind.value, outcome=part.outcome.value, justification=part.justification,
                               duty=duty.title if duty else None, due_at=part.granted_due_at or part.requested_due_at, content=part.content,
                               leaving=leaving, joining=joining, lines=line_changes(session, part)))
    return _messages("change_decided", app, parties(session, app, participants=False), about=f"{app.id}/change-{request.id}",
                     change=request, parts=views)
