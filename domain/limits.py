"""How long each kind of value may be: the input types and the columns that store them use these numbers."""

from __future__ import annotations

# Ids, contact roles, duty kinds and channel tags: lowercase slugs.
ID_LENGTH = 64
# Names and titles: one line, long enough for any official name, short enough for a subject line.
NAME_LENGTH = 500
# An organisation's short name, for tables.
SHORT_NAME_LENGTH = 64
# Multi-line text: a decision's justification.
TEXT_LENGTH = 4000
# An e-mail address: a path of at most 256 characters with its angle brackets (RFC 5321 4.5.3.1),
# of which the local part at most 64.
EMAIL_LENGTH = 254
EMAIL_LOCAL_LENGTH = 64
# Who decided or acted: a person's or an agency's name.
ACTOR_LENGTH = 128
# A creditor reference: RF, two check digits and at most 21 characters (ISO 11649).
PAYMENT_REFERENCE_LENGTH = 25
# Dates and instants: every grant of the state budget falls in these years; the bounds keep time zone
# arithmetic, the databases and Prefect away from the edges of Python's calendar (years 1 and 9999).
FIRST_YEAR = 1900
LAST_YEAR = 2199
