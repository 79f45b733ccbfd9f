"""Plain domain objects: no Qt, no torch, no database. stdlib + numpy only."""
