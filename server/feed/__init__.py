"""The pull feed: the warehouse event streams' stamped sequence, read from PostgreSQL page by page."""
