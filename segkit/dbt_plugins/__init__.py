"""dbt-duckdb plugins of the project, named in profiles.yml.example (`plugins:`)."""
