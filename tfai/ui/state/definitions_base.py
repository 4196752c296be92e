"""Base state of the designer pages (only workflow creators and admins get in: their handlers use guard.DESIGNER)."""

from __future__ import annotations

from tfai.ui.state.auth import AuthState


class DesignerState(AuthState):
    """Adds `_query()`: the designer pages read keys from the route and the query string."""

    def _query(self, name: str) -> str:
        """One query parameter or dynamic route argument of the current page (capped), or ""."""
        if self.router is None:
            return ""
        value = self.router.url.query_parameters.get(name) or self.router.page.params.get(name) or ""
        return str(value[0] if isinstance(value, list) and value else value or "")[:200]
