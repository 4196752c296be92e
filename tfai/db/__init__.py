"""Database layer: SQLModel tables and tenant-scoped sessions."""
