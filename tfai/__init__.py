"""tfai: multi-tenant tickets and workflows with an AI assistant that drafts the definitions."""
