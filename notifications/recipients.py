"""Who hears about an application: its applicant's contacts, a joint project's participants, the call's officer."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session

from domain import repository as repo
from domain.model import Application, Contact, Language


def applicant_contacts(session: Session, app: Application) -> list[Contact]:
    return repo.contacts(session, app.applicant_id)


def participant_contacts(session: Session, app: Application) -> list[Contact]:
    """Contacts of the other organisations taking part in a multi-region project."""
    others = [p.organisation_id for p in repo.participants(session, app.id) if p.organisation_id != app.applicant_id]
    return [c for org in others for c in repo.contacts(session, org)]


def officer(session: Session, app: Application) -> Contact | None:
    call = repo.call_of(session, app)
    return session.get(Contact, call.officer_contact_id) if call.officer_contact_id else None


class Target(BaseModel):
    """Where one copy of a message goes: an e-mail address, or `tag:NAME` for the channels tagged NAME."""

    address: str
    language: Language


def targets(contacts: list[Contact | None]) -> list[Target]:
    """Each contact's e-mail and tagged channels, once each; a shared tag speaks the first contact's language."""
    found: dict[str, Target] = {}
    for contact in contacts:
        if contact is None:
            continue
        for address in (contact.email, *(f"tag:{tag}" for tag in contact.channels)):
            found.setdefault(address, Target(address=address, language=contact.language))
    return list(found.values())
