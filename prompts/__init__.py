"""Data only: every text a person reads, in Dutch and English (see bot.core.prompts)."""
