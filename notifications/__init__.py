"""Notifications: messages in the recipient's language, a persistent outbox, delivery through Apprise."""
