"""The Sealbox server: stores what clients seal and never holds a key that opens it."""
