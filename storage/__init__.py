"""SQL storage: schema, migrations, engine set-up, repositories and the unit of work."""
