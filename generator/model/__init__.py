"""The model: the bulletin of a period and audience, and the write-ups it carries."""
