"""Floorsync's business core: plain Python, standard library only."""
