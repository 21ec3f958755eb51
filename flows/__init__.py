"""Prefect flows, one module per lifecycle stage: thin over the domain, they commit, then notify."""
