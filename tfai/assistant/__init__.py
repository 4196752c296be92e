"""The assistant: drafting definition bundles with an OpenAI-compatible model (client, prompts, context, loop)."""
