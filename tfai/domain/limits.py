"""Every size, count and length limit a user can hit, defined once (docs/limits.md is the same table).

Services, API models, UI forms and domain validators import these names; a test checks that
docs/limits.md states each one with its value. Limits an operator tunes are settings instead
(tfai/settings.py): max_body_bytes, max_upload_bytes, action_max_attempts, llm_daily_token_budget,
the REST rate limits and the session lifetimes.
"""

from __future__ import annotations

# --- Request bodies -------------------------------------------------------------------------------
# Multipart requests may exceed the max_upload_bytes setting by the form's own boundaries and fields.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
# The ticket page takes at most this many files per upload (extras are ignored, not refused); a ticket submission
# at most this many files (one per `file` field; more are refused).
MAX_FILES = 10
# A callback carries an ASYNC action's result, the same order of size as a SYNC response.
MAX_CALLBACK_BYTES = 1024 * 1024

# --- Definitions (bundles) ------------------------------------------------------------------------
# A bundle is text a designer writes or uploads; a megabyte is far past any real workflow.
MAX_DOCUMENT_BYTES = 1024 * 1024
# Validation, the diagram and the designer stay readable and fast below these.
MAX_TASKS = 200
MAX_TRANSITIONS = 1000
# Bound the validator's recursion and work on hostile documents.
MAX_DOCUMENT_DEPTH = 64
MAX_NODES = 200_000
MAX_SCHEMA_DEPTH = 32
# CEL: source size and nesting bound parse time and the evaluator's recursion.
MAX_EXPRESSION_BYTES = 4096
MAX_NESTING = 32
# CEL: nesting of the data an expression sees, and the size of what it may produce.
MAX_DATA_NESTING = 64
MAX_RESULT_BYTES = 256 * 1024
# CEL: macros (map, filter, all, exists, exists_one) inside macros multiply the work per nesting level;
# two levels cover lists of lists (orders and their items), a third is refused at save.
MAX_COMPREHENSION_DEPTH = 2
# Ticket types per bundle: saving takes one advisory lock per ticket type key.
MAX_TICKET_TYPES = 50
# Titles and descriptions shown in lists and the designer; URLs (action_url, links) fit any real address.
MAX_TITLE = 200
MAX_BUNDLE_DESCRIPTION = 4000
MAX_URL = 2000
# Fields and sections of one layout: beyond these a form is unusable anyway.
MAX_LAYOUT_FIELDS = 500
MAX_LAYOUT_SECTIONS = 100
# ISO 8601 durations (TIMER wait, timeout, remind, due) are short strings; reminders per task are few.
MAX_DURATION = 64
MAX_REMINDERS = 100
# "clock" steps of one dry run (each a duration): enough to walk any escalation chain.
MAX_CLOCK_STEPS = 100
# The longest timer: five years (of 365 days; years and months have no fixed length, so durations count days).
MAX_DURATION_DAYS = 5 * 365
# A for_each FORM task creates one task instance per item: as many as a list in ticket data may hold.
MAX_FOR_EACH_ITEMS = 1000
# CALL: a workflow calls a child workflow that calls another... at most this deep (the parent ticket counts 0).
MAX_CALL_DEPTH = 5
# Highest definition version addressed over the API (keeps the integer far inside the column type).
MAX_VERSION = 1_000_000

# --- Keys and names -------------------------------------------------------------------------------
# Keys (ticket types, workflows, company roles, audit entity names) are identifiers, not prose.
MAX_KEY = 64
# Roles in one user's create or update request.
MAX_ROLES_PER_USER = 50

# --- Tickets and tasks ----------------------------------------------------------------------------
# Ticket data and task outputs are stored as JSONB in one row and sent whole to actions.
MAX_DATA_BYTES = 256 * 1024
# Items of any list in ticket data or a task output (an array field's maxItems may not exceed it either):
# with MAX_COMPREHENSION_DEPTH it bounds what one expression can iterate over.
MAX_LIST_ITEMS = 1000
# The Idempotency-Key header: 255 like most HTTP header value conventions (Stripe, IETF draft).
MAX_IDEMPOTENCY_KEY = 255
MAX_COMMENT = 10_000
# Cancel, hold and fail reasons, and role descriptions: a paragraph, shown in lists and the timeline.
MAX_REASON = 2000
MAX_DESCRIPTION = 2000
# Search boxes and ticket field filters (a filter value is compared with a stored string).
MAX_SEARCH = 200
MAX_FIELD_FILTERS = 5
MAX_FIELD_VALUE = 200

# --- Accounts -------------------------------------------------------------------------------------
# New passwords: NIST SP 800-63B asks for at least 8 and a generous maximum.
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
# A password at login is only compared up to this length, so hashing cost stays bounded.
MAX_LOGIN_PASSWORD = 1024
# RFC 5321: a forward path (an address) is at most 256 octets including the angle brackets.
MAX_EMAIL = 254
MAX_NAME = 100
MAX_COMPANY_NAME = 200
MAX_TOKEN_NAME = 100
# A personal API token lives 90 days unless asked otherwise, a year at most (then a new one is made).
API_TOKEN_DEFAULT_DAYS = 90
API_TOKEN_MAX_DAYS = 365
# Single-use recovery codes printed when a staff member enrols a second factor.
STAFF_RECOVERY_CODES = 10
# A staff member's reason for a grant is shown to the customer: a sentence, not an essay.
MIN_STAFF_REASON = 3
MAX_STAFF_REASON = 500

# --- Assistant ------------------------------------------------------------------------------------
# One chat message; the model's context window is the real bound, this keeps one message sane.
MAX_MESSAGE = 20_000
MAX_CONVERSATION_TITLE = 200

# --- Actions (webhooks) ---------------------------------------------------------------------------
# A SYNC action holds a worker slot while it waits; five minutes is the longest reasonable call.
SYNC_TIMEOUT_MAX = 300
ASYNC_TIMEOUT_MAX = 30 * 24 * 3600
MAX_RESPONSE_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64
# Standard Webhooks' recommended replay window.
SIGNATURE_TOLERANCE_SECONDS = 5 * 60
# Tokens we issue (callback tokens, one-time login codes) are 43 characters; much longer is not one of ours.
MAX_TOKEN = 128

# --- Pagination -----------------------------------------------------------------------------------
MAX_PAGE_SIZE = 100
# Deeper pages are never useful and OFFSET that large costs the database.
MAX_PAGE = 100_000
MAX_ACTIVITY = 1000

# --- Lifetimes ------------------------------------------------------------------------------------
# The one-time login code only bridges the login form to the cookie route.
LOGIN_CODE_TTL_SECONDS = 60
SET_PASSWORD_HOURS = 72
STAFF_GRANT_DEFAULT_MINUTES = 60
STAFF_GRANT_MAX_MINUTES = 480

# --- Tenant-authored code (CEL, JSON Schema) ------------------------------------------------------
# Wall-clock bound of one run-time step in the sandbox: checking data against a schema, a task's input,
# the conditions after a task, an output transform. A request runs at most three such steps.
MAX_STEP_SECONDS = 0.25
# A whole dry run (up to 1000 steps) and the bundle validator at save run as one bounded call each.
MAX_DRY_RUN_SECONDS = 0.75
MAX_VALIDATION_SECONDS = 10
# Submissions, completions and dry runs of one company running at once (all web processes together): above
# any real burst of people and integrations, far below what would let one company queue up the whole sandbox.
MAX_CONCURRENT_PER_COMPANY = 32

# --- Operations -----------------------------------------------------------------------------------
# HTML pages larger than this are served with the base CSP instead of being hashed.
MAX_HTML_BYTES = 2 * 1024 * 1024
