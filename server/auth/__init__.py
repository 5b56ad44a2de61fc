"""Authentication and authorisation: passwords, tokens, the principal and its guards."""
