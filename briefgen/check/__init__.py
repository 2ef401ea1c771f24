"""Check stage: fact files read, validated against the model, linked into one graph; quotes verified."""
