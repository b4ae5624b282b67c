"""The wire contract shared by server and clients: routes, models and error codes.

spec/http-api.md is the normative description.
"""
