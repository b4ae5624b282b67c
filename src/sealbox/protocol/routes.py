"""URL paths of the Sealbox HTTP API (spec/http-api.md is the normative description).

Paths with ``{...}`` placeholders take base64url ids (16 bytes, 22 characters, no padding).
"""

PREFIX = "/v1"

HEALTH = f"{PREFIX}/health"
METRICS = "/metrics"
# Probes for load balancers and orchestrators; outside the versioned API like /metrics.
HEALTHZ = "/healthz"
READYZ = "/readyz"
ACCOUNTS = f"{PREFIX}/accounts"
PRELOGIN = f"{PREFIX}/prelogin"
RECOVERY = f"{PREFIX}/recovery"
RECOVERY_RESET = f"{PREFIX}/recovery-reset"
ACCOUNT = f"{PREFIX}/account"
ACCOUNT_PASSWORD = f"{PREFIX}/account/password"
ACCOUNT_DELETE = f"{PREFIX}/account/delete"
SESSIONS = f"{PREFIX}/sessions"
SESSION = f"{PREFIX}/sessions/{{session_id}}"
SESSIONS_REVOKE_OTHERS = f"{PREFIX}/sessions/revoke-others"
TRANSACTIONS = f"{PREFIX}/transactions"
FOLDER = f"{PREFIX}/folders/{{node_id}}"
NODE = f"{PREFIX}/nodes/{{node_id}}"
NODE_VERSIONS = f"{PREFIX}/nodes/{{node_id}}/versions"
UPLOADS = f"{PREFIX}/uploads"
UPLOAD = f"{PREFIX}/uploads/{{content_id}}"
UPLOAD_CHUNK = f"{PREFIX}/uploads/{{content_id}}/chunks/{{index}}"
CONTENT = f"{PREFIX}/contents/{{content_id}}"
CONTENT_CHUNK = f"{PREFIX}/contents/{{content_id}}/chunks/{{index}}"
FEED = f"{PREFIX}/feed"

AUTH_HEADER = "Authorization"
AUTH_SCHEME = "Bearer"

# Media type of the compact listing framing (see spec/http-api.md, "Binary listing").
LISTING_MEDIA_TYPE = "application/vnd.sealbox.listing"
