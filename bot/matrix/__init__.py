"""Matrix adapter: everything that talks to matrix-nio lives here."""
