"""Services: one command, one transaction; load and lock rows, let domain/ decide, write the outcome."""
