"""Stage 4: renderers, one per output kind, each reading the model only."""
