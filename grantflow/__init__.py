"""grantflow: the lifecycle of public grants as Prefect flows over a SQL database."""
