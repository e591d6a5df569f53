"""Storage: the only code that speaks SQL (Core tables, Alembic migrations, repositories)."""
