"""Text helpers for rules: folding, phrase matching, personal-data detection and masking, working hours."""
