"""Quality rules: inspection plans, reaction plans, dispositions and e-signatures (pure)."""
