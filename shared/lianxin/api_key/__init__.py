"""Agency API keys: shown once, stored as SHA-256, looked up by prefix, revocable."""
