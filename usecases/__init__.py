"""The use cases: one function per lifecycle step, each owning its unit of work, domain events and outbox rows.

The CLI, the Prefect flows and the UI form change state only through these functions.
"""
