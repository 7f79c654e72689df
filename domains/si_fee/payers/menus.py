"""Menu entries of the payers app."""
