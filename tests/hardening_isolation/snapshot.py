"""A company's footprint as the owner sees it: row count and a content hash per company table (one query)."""

from __future__ import annotations

import psycopg

from tests.hardening_isolation.rows import COMPANY_TABLES

_PARTS = [f"(SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
          f"FROM {table.name} t WHERE company_id = %(cid)s)" for table in COMPANY_TABLES]
_SQL = f"SELECT {', '.join(_PARTS)}, (SELECT md5(c::text) FROM companies c WHERE id = %(cid)s)"
_NAMES = [table.name for table in COMPANY_TABLES] + ["companies"]


def snapshot(conn: psycopg.Connection, company_id: int) -> dict[str, str]:
    """table -> 'rows:md5 of the rows in a stable order', plus the companies row itself."""
    row = conn.execute(_SQL, {"cid": company_id}).fetchone()
    assert row is not None
    return dict(zip(_NAMES, (str(v) for v in row), strict=True))
