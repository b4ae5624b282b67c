"""The wire contract shared by server and clients: routes, models, error codes (spec/http-api.md)."""
