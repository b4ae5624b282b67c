"""The wire contract shared by server and clients (spec/http-api.md)."""
