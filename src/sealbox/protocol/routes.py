# SPDX-License-Identifier: AGPL-3.0-or-later
"""URL paths of the Sealbox HTTP API (spec/http-api.md is the normative description).

Paths with ``{...}`` placeholders take base64url ids (16 bytes, 22 characters, no padding).
"""

PREFIX = "/v1"

HEALTH = f"{PREFIX}/health"
METRICS = "/metrics"
# Probes for load balancers and orchestrators; outside the versioned API like /metrics.
HEALTHZ = "/healthz"
READYZ = "/readyz"
# The source code of the running server, which AGPL-3.0 §13 obliges it to offer its users.
SOURCE = f"{PREFIX}/source"
ACCOUNTS = f"{PREFIX}/accounts"
PRELOGIN = f"{PREFIX}/prelogin"
RECOVERY = f"{PREFIX}/recovery"
RECOVERY_RESET = f"{PREFIX}/recovery-reset"
ACCOUNT = f"{PREFIX}/account"
ACCOUNT_PASSWORD = f"{PREFIX}/account/password"
ACCOUNT_DELETE = f"{PREFIX}/account/delete"
ACCOUNT_EXPORT = f"{PREFIX}/account/export"
SESSIONS = f"{PREFIX}/sessions"
SESSION = f"{PREFIX}/sessions/{{session_id}}"
SESSION_DEVICE = f"{PREFIX}/sessions/{{session_id}}/device"
SESSIONS_REVOKE_OTHERS = f"{PREFIX}/sessions/revoke-others"
TRANSACTIONS = f"{PREFIX}/transactions"
FOLDER = f"{PREFIX}/folders/{{node_id}}"
NODE = f"{PREFIX}/nodes/{{node_id}}"
NODE_VERSIONS = f"{PREFIX}/nodes/{{node_id}}/versions"
NODE_VERSION = f"{PREFIX}/nodes/{{node_id}}/versions/{{version}}"
UPLOADS = f"{PREFIX}/uploads"
UPLOAD = f"{PREFIX}/uploads/{{content_id}}"
UPLOAD_CHUNK = f"{PREFIX}/uploads/{{content_id}}/chunks/{{index}}"
# Direct transfers (spec/http-api.md §6.6): presigned store URLs instead of chunk bytes.
UPLOAD_DIRECT = f"{PREFIX}/uploads/{{content_id}}/direct"
UPLOAD_STORED = f"{PREFIX}/uploads/{{content_id}}/stored"
CONTENT_DIRECT = f"{PREFIX}/contents/{{content_id}}/direct"
# On an account's own content answers: "1" when the direct routes are offered.
DIRECT_HEADER = "Sealbox-Direct"
CONTENT = f"{PREFIX}/contents/{{content_id}}"
CONTENT_CHUNK = f"{PREFIX}/contents/{{content_id}}/chunks/{{index}}"
CONTENTS_BATCH = f"{PREFIX}/contents:batch"
FEED = f"{PREFIX}/feed"
# Links: the owner's routes (session) and the visitor's (no session; the link id authorises).
LINKS = f"{PREFIX}/links"
LINK = f"{PREFIX}/links/{{link_id}}"
LINK_OPEN = f"{PREFIX}/links/{{link_id}}/open"
LINK_FOLDER = f"{PREFIX}/links/{{link_id}}/folders/{{node_id}}"
LINK_CONTENT = f"{PREFIX}/links/{{link_id}}/contents/{{content_id}}"
# Shares between accounts: the members' view of the owner's shared folder goes through the share.
USER_BUNDLE = f"{PREFIX}/users/{{username}}/bundle"
# Contacts: invitations between accounts; shares go only to accepted contacts.
CONTACTS = f"{PREFIX}/contacts"
CONTACT = f"{PREFIX}/contacts/{{username}}"
CONTACT_ACCEPT = f"{PREFIX}/contacts/{{username}}/accept"
CONTACT_DECLINE = f"{PREFIX}/contacts/{{username}}/decline"
# The owner's latest signed roster of a shared folder, and all of them (with or without members).
ROSTERS = f"{PREFIX}/rosters"
SHARE_ROSTER = f"{PREFIX}/rosters/{{folder_id}}"
SHARE_ENVELOPE = f"{PREFIX}/shares/{{share_id}}/envelope"
SHARES = f"{PREFIX}/shares"
SHARE = f"{PREFIX}/shares/{{share_id}}"
SHARE_FOLDER = f"{PREFIX}/shares/{{share_id}}/folders/{{node_id}}"
SHARE_CONTENT = f"{PREFIX}/shares/{{share_id}}/contents/{{content_id}}"
SHARE_NODE = f"{PREFIX}/shares/{{share_id}}/nodes/{{node_id}}"
SHARE_TRANSACTIONS = f"{PREFIX}/shares/{{share_id}}/transactions"
SHARE_UPLOADS = f"{PREFIX}/shares/{{share_id}}/uploads"
# Drop links: the owner's routes, and the anonymous uploader's (the drop id authorises).
DROPS = f"{PREFIX}/drops"
DROP = f"{PREFIX}/drops/{{drop_id}}"
DROP_KEY = f"{PREFIX}/drops/{{drop_id}}/key"
DROP_FILES = f"{PREFIX}/drops/{{drop_id}}/files"
DROP_FILE = f"{PREFIX}/drops/{{drop_id}}/files/{{content_id}}"
DROP_UPLOADS = f"{PREFIX}/drops/{{drop_id}}/uploads"
DROP_UPLOAD_CHUNK = f"{PREFIX}/drops/{{drop_id}}/uploads/{{content_id}}/chunks/{{index}}"

AUTH_HEADER = "Authorization"
AUTH_SCHEME = "Bearer"

# Media type of the compact listing framing (see spec/http-api.md, "Binary listing").
LISTING_MEDIA_TYPE = "application/vnd.sealbox.listing"
# Media type of the batch content download's answer (spec/http-api.md §6.4).
CONTENTS_MEDIA_TYPE = "application/vnd.sealbox.contents"
# Compliance (spec/http-api.md §14): public notice and abuse forms, the affected user's view,
# and the operator's side (operator tokens, not user sessions).
NOTICES = f"{PREFIX}/notices"
NOTICES_MINE = f"{PREFIX}/notices/mine"
NOTICE_MINE = f"{PREFIX}/notices/mine/{{case_id}}"
NOTICE_COUNTER = f"{PREFIX}/notices/mine/{{case_id}}/counter"
ABUSE_REPORTS = f"{PREFIX}/abuse-reports"
APPEALS = f"{PREFIX}/appeals"
# The transparency log (spec/transparency.md §Routes): public, no authentication.
TRANSPARENCY = f"{PREFIX}/transparency"
TRANSPARENCY_CHECKPOINT = f"{TRANSPARENCY}/checkpoint"
TRANSPARENCY_ENTRIES = f"{TRANSPARENCY}/entries"
TRANSPARENCY_INCLUSION = f"{TRANSPARENCY}/proof/inclusion"
TRANSPARENCY_CONSISTENCY = f"{TRANSPARENCY}/proof/consistency"
TRANSPARENCY_KEY = f"{TRANSPARENCY}/key"
# A decision's statement of reasons, public by its public id (puid).
DECISION = f"{PREFIX}/decisions/{{puid}}"
ADMIN = f"{PREFIX}/admin"
ADMIN_CASES = f"{ADMIN}/cases"
ADMIN_CASE = f"{ADMIN}/cases/{{case_id}}"
ADMIN_CASE_STEP = f"{ADMIN}/cases/{{case_id}}/{{step}}"
ADMIN_RESTORATIONS = f"{ADMIN}/restorations:run"
ADMIN_STRIKES = f"{ADMIN}/strikes/{{user_id}}"
ADMIN_APPEALS = f"{ADMIN}/appeals"
ADMIN_APPEAL_DECIDE = f"{ADMIN}/appeals/{{appeal_id}}/decide"
ADMIN_FLAGGERS = f"{ADMIN}/flaggers"
ADMIN_FLAGGER = f"{ADMIN}/flaggers/{{name}}"
ADMIN_AUDIT = f"{ADMIN}/audit"
ADMIN_INSPECTIONS_NEXT = f"{ADMIN}/inspections:next"
ADMIN_INSPECTION = f"{ADMIN}/abuse-reports/{{report_id}}/inspection"
ADMIN_ABUSE_STEP = f"{ADMIN}/abuse-reports/{{report_id}}/{{step}}"
# The inspector's reads through a reported link that the report disabled for everyone else.
ADMIN_INSPECT_OPEN = f"{ADMIN}/abuse-reports/{{report_id}}/link"
ADMIN_INSPECT_CONTENT = f"{ADMIN}/abuse-reports/{{report_id}}/contents/{{content_id}}"
