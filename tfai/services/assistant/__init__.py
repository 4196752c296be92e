"""Assistant use cases: conversations, drafting replies, proposals."""
