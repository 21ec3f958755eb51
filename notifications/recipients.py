"""Who hears about an application: its lead's contacts, a joint project's participants, the call's officer."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel
from sqlmodel import Session

from domain import repository as repo
from domain.model import Application, Contact, DutyPhase, Language, Organisation, Participant
from domain.reminders import Deadline


class Role(StrEnum):
    LEAD = "lead"
    PARTICIPANT = "participant"
    OFFICER = "officer"


class Party(BaseModel):
    """The part a recipient's organisation plays in an application, and its own share of the request."""

    role: Role
    organisation_id: str = ""
    organisation: str = ""
    lead: str = ""
    # Its own share as listed among the participants; None where it takes none (the officer, an unlisted lead).
    requested_cents: int | None = None


class Target(BaseModel):
    """Where one copy of a message goes: an e-mail address, or `tag:NAME` for the channels tagged NAME."""

    address: str
    language: Language
    party: Party | None = None


def display_name(organisation: Organisation) -> str:
    return organisation.short_name or organisation.name


def applicant_contacts(session: Session, app: Application) -> list[Contact]:
    return repo.contacts(session, app.applicant_id)


def other_participants(session: Session, app: Application) -> list[Participant]:
    """The organisations taking part in a multi-region project besides its lead."""
    return [p for p in repo.participants(session, app.id) if p.organisation_id != app.applicant_id]


def participant_contacts(session: Session, app: Application) -> list[Contact]:
    """Contacts of the other organisations taking part in a multi-region project."""
    return [c for p in other_participants(session, app) for c in repo.contacts(session, p.organisation_id)]


def officer(session: Session, app: Application) -> Contact | None:
    call = repo.call_of(session, app)
    return session.get(Contact, call.officer_contact_id) if call.officer_contact_id else None


def parties(session: Session, app: Application, *, participants: bool = True) -> list[tuple[Contact | None, Party]]:
    """The lead's contacts, then each participant's (when `participants`), then the officer, each with its part."""
    lead = repo.get(session, Organisation, app.applicant_id, field="applicant")
    listed = {p.organisation_id: p for p in repo.participants(session, app.id)}

    def party(role: Role, organisation: Organisation) -> Party:
        share = listed.get(organisation.id) if role != Role.OFFICER else None
        return Party(role=role, organisation_id=organisation.id, organisation=display_name(organisation), lead=lead.name,
                     requested_cents=share.requested_cents if share else None)

    found: list[tuple[Contact | None, Party]] = [(c, party(Role.LEAD, lead)) for c in applicant_contacts(session, app)]
    if participants:
        for participant in other_participants(session, app):
            organisation = repo.get(session, Organisation, participant.organisation_id, field="participants.organisation")
            found += [(c, party(Role.PARTICIPANT, organisation)) for c in repo.contacts(session, organisation.id)]
    contact = officer(session, app)
    if contact is not None:
        ministry = repo.get(session, Organisation, contact.organisation_id, field="officer")
        found.append((contact, Party(role=Role.OFFICER, organisation_id=ministry.id, organisation=display_name(ministry), lead=lead.name)))
    return found


def concerns_participants(deadline: Deadline) -> bool:
    """A deadline of the whole project (the call closing, a report) concerns every participant; a document is the lead's."""
    return deadline.kind == "call" or deadline.phase == DutyPhase.REPORTING


class ReminderAudience:
    """Who hears of an application's deadlines, with each application's and organisation's contacts loaded once a sweep."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._contacts: dict[str, list[Contact]] = {}
        self._participants: dict[str, list[str]] = {}

    def _of(self, organisation_id: str) -> list[Contact]:
        if organisation_id not in self._contacts:
            self._contacts[organisation_id] = repo.contacts(self._session, organisation_id)
        return self._contacts[organisation_id]

    def of(self, app: Application, deadline: Deadline) -> list[Contact]:
        """The lead's contacts; for a deadline of the whole project, every participant's after them."""
        contacts = self._of(app.applicant_id)
        if not concerns_participants(deadline):
            return contacts
        if app.id not in self._participants:
            self._participants[app.id] = [p.organisation_id for p in other_participants(self._session, app)]
        return contacts + [c for organisation_id in self._participants[app.id] for c in self._of(organisation_id)]


def targets(contacts: Sequence[Contact | None]) -> list[Target]:
    """Each contact's e-mail and tagged channels, once each; a shared tag speaks the first contact's language."""
    return party_targets([(contact, None) for contact in contacts])


def party_targets(recipients: list[tuple[Contact | None, Party | None]]) -> list[Target]:
    """As `targets`, each copy keeping the part its contact plays; an address heard twice keeps its first part."""
    found: dict[str, Target] = {}
    for contact, party in recipients:
        if contact is None:
            continue
        for address in (contact.email, *(f"tag:{tag}" for tag in contact.channels)):
            found.setdefault(address, Target(address=address, language=contact.language, party=party))
    return list(found.values())
