/* SPDX-License-Identifier: MIT */
/*
 * entitled.h: the public API of libentitled, the one header a program needs to keep a catalog
 * of features and products, accounts, grants and usage, and to answer what an account may use.
 *
 * The daemon (src/http, src/cmd) is itself a client of this header and of nothing else in the
 * library. The header uses libc types only.
 *
 * Conventions that hold for every function below:
 * - Fallible functions return ENT_OK (0) or a negative ENT_E* code. When a client must learn
 *   the details (which field, which limit), the last parameter, a caller-provided
 *   struct ent_error, is filled in too; it never allocates.
 * - Every call works within a request context (struct ent_ctx). Strings and arrays returned in
 *   OUT structs live in the context's arena and stay valid until ent_ctx_free().
 * - Input structs are borrowed for the duration of the call.
 * - Times are milliseconds since the Unix epoch, UTC. The caller supplies "now" to the context;
 *   the library never reads the clock on its own.
 * - Thread safety: a struct ent_app may be shared by any number of threads; a struct ent_ctx
 *   belongs to one thread at a time.
 */
#ifndef ENTITLED_H
#define ENTITLED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define ENT_API __attribute__((visibility("default")))
#else
#define ENT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/*
 * The error table, declared once: X(NAME, value, problem type, HTTP status, title).
 * The enum below, ent_error_name(), the HTTP mapping and docs/ERRORS.md all come from it.
 * Internal codes (NOMEM, STORE, BUSY, INTERNAL) map to the problem type "internal" and never
 * reveal their detail to a client.
 */
#define ENT_ERROR_TABLE(X)                                                                         \
    X(OK, 0, "ok", 200, "OK")                                                                      \
    X(EINVAL, -1, "validation_failed", 422, "Validation failed")                                   \
    X(EJSON, -2, "invalid_json", 400, "Invalid JSON")                                              \
    X(EAUTH, -3, "unauthorized", 401, "Unauthorized")                                              \
    X(EFORBIDDEN, -4, "forbidden", 403, "Forbidden")                                               \
    X(ENOTFOUND, -5, "not_found", 404, "Not found")                                                \
    X(EMETHOD, -6, "method_not_allowed", 405, "Method not allowed")                                \
    X(ECONFLICT, -7, "conflict", 409, "Conflict")                                                  \
    X(ELIMIT, -8, "limit_reached", 409, "Limit reached")                                           \
    X(ESEATS, -9, "seat_limit_reached", 409, "Seat limit reached")                                 \
    X(ELEASEACTIVE, -10, "lease_active", 409, "Lease active")                                      \
    X(ELEASELIMIT, -11, "lease_limit_reached", 409, "Lease limit reached")                         \
    X(ETOOLARGE, -12, "payload_too_large", 413, "Payload too large")                               \
    X(EMEDIATYPE, -13, "unsupported_media_type", 415, "Unsupported media type")                    \
    X(ERATE, -14, "rate_limited", 429, "Too many requests")                                        \
    X(EURITOOLONG, -15, "uri_too_long", 414, "URI too long")                                       \
    X(EHEADERS, -16, "request_header_fields_too_large", 431, "Request header fields too large")    \
    X(EUNAVAILABLE, -17, "internal", 503, "Service unavailable")                                   \
    X(EINTERNAL, -18, "internal", 500, "Internal error")                                           \
    X(ENOMEM, -19, "internal", 500, "Internal error")                                              \
    X(ESTORE, -20, "internal", 500, "Internal error")                                              \
    X(EBUSY, -21, "internal", 500, "Internal error")                                               \
    X(EBADREQUEST, -22, "bad_request", 400, "Bad request")                                         \
    X(ENOTACTIVATABLE, -23, "not_activatable", 409, "Not activatable")

enum ent_code {
#define ENT_ERROR_ENUM(name, value, type, status, title) ENT_##name = value,
    ENT_ERROR_TABLE(ENT_ERROR_ENUM)
#undef ENT_ERROR_ENUM
};

#define ENT_ERROR_MAX_FIELDS 8

/*
 * No time: an absent date (no end, not revoked, not yet activated, "now" in an input), apart
 * from every instant, 1970-01-01T00:00:00Z (0) included. Times are ms since the epoch, UTC;
 * those that RFC 3339 can write (years 0000 to 9999) are far inside int64.
 */
#define ENT_TIME_NONE INT64_MIN

/* One field a client got wrong, e.g. {"levels[2].value", "is not a whole number"}. */
struct ent_field_error {
    char field[96];    /* the field's path in the request, e.g. "entitlements[0].value" */
    char message[160]; /* what is wrong with it, in a sentence without a final period */
};

/*
 * The details of a failure: its code, a message for people, and the fields at fault.
 * Fixed storage: filling it in never allocates. More than ENT_ERROR_MAX_FIELDS fields are
 * counted in n_dropped and not kept.
 */
struct ent_error {
    int code;          /* an ENT_E* code, or ENT_OK */
    char message[256]; /* detail for the client; empty for internal codes */
    size_t n_fields;
    size_t n_dropped;
    struct ent_field_error fields[ENT_ERROR_MAX_FIELDS];
};

/* The code's name ("EINVAL"), its problem type ("validation_failed"), status and title. */
ENT_API const char *ent_error_name(int code);
ENT_API const char *ent_error_type(int code);
ENT_API int ent_error_status(int code);
ENT_API const char *ent_error_title(int code);

/* Clears err (it may be NULL). */
ENT_API void ent_error_clear(struct ent_error *err);

/*
 * Records a failure in err (it may be NULL) and returns code, so that a caller can write
 * `return ent_error_set(err, ENT_EINVAL, "…")`. The message is printf-formatted.
 */
ENT_API int ent_error_set(struct ent_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Adds a field error to err (it may be NULL) and returns ENT_EINVAL. When err->code is
 * ENT_OK it becomes ENT_EINVAL with the message "the request has invalid fields".
 */
ENT_API int ent_error_field(struct ent_error *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------------------------------ */
/* The application and its request contexts                                                    */
/* ------------------------------------------------------------------------------------------ */

struct ent_app;
struct ent_ctx;

/* What ent_app_open() needs. Zeroed fields take their defaults. */
struct ent_config {
    const char *store_url; /* "sqlite:PATH" (default "sqlite:entitled.db") */
    const char *key_file;  /* the secret that keys API-key hashes; default: the store's file
                              path with ".key" appended, or for a database server
                              $XDG_STATE_HOME/entitled/<host>-<port>-<database>.key; created
                              (mode 0600) when missing while the store holds no API keys, and
                              refused when it is not the store's (service/keyfile.h) */
    unsigned connections;  /* store connections kept open (default 4) */
    size_t cache_accounts; /* evaluation snapshots kept in memory (default 100000) */
    const char *admin_key; /* ENTITLED_ADMIN_KEY: accepted as an admin key when set */
    /* Signed licenses (issue 13) */
    const char *license_issuer;    /* `iss` of a license whose product names none
                                      (default "entitled") */
    int64_t license_ttl_default_s; /* lifetime of a license asked without one (default 30 days) */
    int64_t license_ttl_max_s;     /* the longest lifetime that may be asked (default 365 days) */
    /* Opens the store without making what a serving daemon needs (the first signing key): for
     * commands that read or fill a store whole (copy, export). */
    bool passive;
    bool webhooks_allow_private; /* webhooks (issue 15): endpoints may be on loopback, link-local
                                    and private addresses (also set by ent_webhooks_start) */
};

/*
 * Opens the store named by cfg->store_url, applies pending schema migrations, loads (or creates)
 * the key-hashing secret, and registers cfg->admin_key when given.
 * OUT app: the application, to be released with ent_app_close().
 * Errors: ENT_EINVAL (bad URL, admin key shorter than 32 characters), ENT_ESTORE, ENT_ENOMEM.
 * Thread safety: call once, before any other thread uses the application.
 */
ENT_API int ent_app_open(const struct ent_config *cfg, struct ent_app **app, struct ent_error *err);

/* Closes the store and frees the application; NULL is accepted. */
ENT_API void ent_app_close(struct ent_app *app);

/* Checks that the store answers. Errors: ENT_EUNAVAILABLE. Thread safety: any thread. */
ENT_API int ent_app_ping(struct ent_app *app);

/*
 * The time of the application's clock, in ms since the epoch: the store's clock, so that every
 * time-derived decision (expiry, windows, heartbeats) is the same on every daemon sharing a
 * PostgreSQL store whatever the skew of their machines' clocks (the database's clock, corrected
 * by an offset measured in the background); the wall clock on SQLite. Reads memory only.
 * THREAD SAFETY: any thread.
 */
ENT_API int64_t ent_app_now(struct ent_app *app);

/* The level of a message of the library. */
enum ent_log_level {
    ENT_LOG_INFO,
    ENT_LOG_WARN,
    ENT_LOG_ERROR,
};

/*
 * Where the library's own messages go (a database error, a lost connection, a reconnection):
 * fn(level, message), a message of one line without its end; NULL (the default): standard
 * error, as "entitled: message". THREAD SAFETY: fn is called from any thread.
 */
ENT_API void ent_set_log_handler(void (*fn)(enum ent_log_level level, const char *message));

/* The path of the key file the application read (given, or the store's default place). */
ENT_API const char *ent_app_key_file(const struct ent_app *app);

/* The schema version the store is at after ent_app_open(). */
ENT_API int ent_app_schema_version(struct ent_app *app);

/* ------------------------------------------------------------------------------------------ */
/* The portable form of a store: export, import, copy between SQLite and PostgreSQL            */
/* ------------------------------------------------------------------------------------------ */

/* A value of a row in the portable form: an integer, text or NULL. */
enum ent_value_type {
    ENT_VALUE_NULL,
    ENT_VALUE_INT,
    ENT_VALUE_TEXT,
};

struct ent_value {
    enum ent_value_type type;
    int64_t i;        /* ENT_VALUE_INT */
    const char *text; /* ENT_VALUE_TEXT: NUL-terminated */
};

/* The tables of the portable form, parents first (0 .. count-1). */
ENT_API size_t ent_portable_count(void);
ENT_API const char *ent_portable_name(size_t table);
/* The columns of table, in order; returns how many. */
ENT_API size_t ent_portable_columns(size_t table, const char *const **names);
/* The index of the table named name, or -1. */
ENT_API int ent_portable_find(const char *name);

/*
 * Reads every row of the store as it is at one moment (one read transaction), table by table
 * in the portable order: fn(arg, table, values) for each, whose non-zero answer stops the dump
 * and is returned. since_ms (ENT_TIME_NONE: everything): only the rows changed since then, for
 * the tables whose rows tell (the others whole). Errors: ENT_ESTORE.
 */
ENT_API int ent_app_dump(struct ent_app *app, int64_t since_ms,
                         int (*fn)(void *arg, size_t table, const struct ent_value *values),
                         void *arg, struct ent_error *err);

/*
 * Loads rows of the portable form into the store in one write transaction: each inserted, or
 * updated when a row with its key is there (rows of the audit log and usage events are never
 * changed). ent_load_commit() commits and tells every process serving the store to drop what
 * it caches; ent_load_abort() leaves the store as it was.
 */
struct ent_load;
ENT_API int ent_app_load_begin(struct ent_app *app, struct ent_load **out, struct ent_error *err);
ENT_API int ent_load_row(struct ent_load *l, size_t table, const struct ent_value *values,
                         struct ent_error *err);
ENT_API int ent_load_commit(struct ent_load *l, struct ent_error *err);
ENT_API void ent_load_abort(struct ent_load *l);

/* What ent_app_copy() copied and checked, per table. */
struct ent_copy_table {
    const char *name;
    uint64_t rows;     /* rows copied (and found in the target) */
    char checksum[65]; /* SHA-256 of the table's rows in the portable form, hex */
};

struct ent_copy_report {
    struct ent_copy_table tables[32];
    size_t n_tables;
    uint64_t rows;
};

/*
 * Copies every row of the store from (as of one moment) into the store to, which must hold no
 * data (only its settings), in one write transaction; then reads the target back and checks
 * each table's row count and checksum against the source's. progress(arg, rows) is called now
 * and then (NULL: none). The key file of to must be from's (the same fingerprint).
 * Errors: ENT_ECONFLICT (to holds data, or another key file), ENT_ESTORE (a failure, or the
 * check found a difference: to is then left as copied, and err says which table).
 */
ENT_API int ent_app_copy(struct ent_app *from, struct ent_app *to,
                         void (*progress)(void *arg, uint64_t rows), void *arg,
                         struct ent_copy_report *out, struct ent_error *err);

/* What ent_app_backup() wrote. */
struct ent_backup {
    int64_t bytes;            /* the copy's size */
    int schema_version;       /* the schema the copy is at */
    char key_fingerprint[65]; /* of the key file the copy needs (hex; empty when none yet) */
};

/*
 * Writes a consistent copy of the store, as of one moment, to the new file path while the store
 * goes on serving (other processes included); the copy is checked (integrity_check) and flushed
 * to disk before it takes path's name. A daemon started on the copy, with the same key file,
 * serves what the store held at that moment. SQLite only: a PostgreSQL store is backed up with
 * pg_dump or point-in-time recovery (docs/deploy.md).
 * Errors: ENT_ECONFLICT (path exists), ENT_EINVAL (PostgreSQL; a path too long), ENT_ESTORE.
 */
ENT_API int ent_app_backup(struct ent_app *app, const char *path, struct ent_backup *out,
                           struct ent_error *err);

/*
 * Counters of the application, for /metrics. store_calls counts every statement sent to the
 * store, so a test can prove that a path ran none.
 */
struct ent_app_stats {
    uint64_t store_calls;
    uint64_t store_commits;
    uint64_t store_rollbacks;
    uint64_t store_busy_retries;
    uint64_t keys_cached;
    uint64_t cache_hits;          /* evaluations answered from a snapshot in memory */
    uint64_t cache_misses;        /* snapshots built from the store */
    uint64_t cache_evictions;     /* snapshots dropped by the LRU bound */
    uint64_t cache_usage_updates; /* recorded events reported to the snapshots in memory */
    uint64_t cache_accounts;      /* snapshots held */
    uint64_t cache_bytes;         /* their memory */
    uint64_t usage_groups;        /* transactions of the usage group committer */
    uint64_t usage_grouped;       /* single usage events recorded in them */
    /* 1 while snapshots are kept: the store's changes are heard (PostgreSQL: its listener is
     * connected); 0 meanwhile, when every evaluate reads the store (correct, slower). */
    uint64_t cache_keeping;
};
ENT_API void ent_app_stats(struct ent_app *app, struct ent_app_stats *out);

/* The kinds of object the library hands to an encoder (audit events, idempotent answers). */
enum ent_kind {
    ENT_KIND_FEATURE = 1,
    ENT_KIND_PRODUCT,
    ENT_KIND_PRODUCT_ENTITLEMENT,
    ENT_KIND_ACCOUNT,
    ENT_KIND_KEY,
    ENT_KIND_ORDER,
    ENT_KIND_ENTITLEMENT,
    ENT_KIND_LEASE,
    ENT_KIND_USAGE,
    ENT_KIND_ACTIVATION,
    /* Signed licenses (issue 13) */
    ENT_KIND_LICENSE,     /* struct ent_license */
    ENT_KIND_SIGNING_KEY, /* struct ent_signing_key */
    ENT_KIND_WEBHOOK,     /* webhooks (issue 15): struct ent_webhook, never its secret */
    /* Seed 004 (issue 17) */
    ENT_KIND_TRANSFER,             /* struct ent_transfer */
    ENT_KIND_ATTRIBUTE_DEFINITION, /* struct ent_attribute_definition */
};

/*
 * Turns an object of the given kind into text (JSON, for the daemon), for the audit log's
 * before/after and for answers replayed under an Idempotency-Key. The text is allocated in the
 * context (ent_ctx_alloc). Returns ENT_OK or ENT_ENOMEM.
 */
typedef int (*ent_encode_fn)(struct ent_ctx *ctx, enum ent_kind kind, const void *object,
                             const char **text, size_t *text_len);

/*
 * Creates a request context: an arena for the request's memory, the time the request is
 * served at (now_ms), and no principal yet.
 * Errors: ENT_ENOMEM.
 */
ENT_API int ent_ctx_new(struct ent_app *app, int64_t now_ms, struct ent_ctx **ctx);

/* Frees the context and everything allocated in it; NULL is accepted. */
ENT_API void ent_ctx_free(struct ent_ctx *ctx);

/*
 * Gives the context's store session back to the pool (rolling back a change left open) and ends
 * its Idempotency-Key; what was allocated in the context stays valid. A server calls it as soon
 * as a request's answer is built, so that no session is held while the answer is sent; the
 * context takes a session again if it is used after. ent_ctx_free() does it too.
 */
ENT_API void ent_ctx_release(struct ent_ctx *ctx);

/* Allocates len bytes from the context's arena, 16-byte aligned; NULL when out of memory. */
ENT_API void *ent_ctx_alloc(struct ent_ctx *ctx, size_t len);

/* Copies len bytes of s into the arena and terminates them; NULL when out of memory. */
ENT_API char *ent_ctx_strndup(struct ent_ctx *ctx, const char *s, size_t len);

/* The request's time, as given to ent_ctx_new(). */
ENT_API int64_t ent_ctx_now(const struct ent_ctx *ctx);

/* Sets the encoder the library uses for audit events and idempotent answers. */
ENT_API void ent_ctx_set_encoder(struct ent_ctx *ctx, ent_encode_fn encode);

/* ------------------------------------------------------------------------------------------ */
/* API keys and the principal                                                                  */
/* ------------------------------------------------------------------------------------------ */

enum ent_scope {
    ENT_SCOPE_NONE = 0, /* no key: only the unauthenticated routes */
    ENT_SCOPE_ADMIN,    /* everything */
    ENT_SCOPE_READ,     /* every read */
    ENT_SCOPE_ACCOUNT,  /* one account: evaluate, usage, activations, its own reads */
};

/* Who is calling: set by ent_keys_authenticate(). */
struct ent_principal {
    enum ent_scope scope;
    char key_id[37];     /* the key's id; empty without a key */
    char account_id[37]; /* the bound account (scope account); empty otherwise */
};

/* An API key as the API shows it. secret is set once, in the answer of ent_keys_create(). */
struct ent_key {
    char id[37];
    const char *name;
    enum ent_scope scope;
    char account_id[37]; /* empty unless scope is account */
    const char *prefix;  /* the non-secret start of the key, for recognising it */
    const char *secret;  /* only in ent_keys_create()'s answer; NULL otherwise */
    int64_t created_ms;
    int64_t revoked_ms; /* ENT_TIME_NONE while the key is valid */
};

struct ent_key_input {
    const char *name;
    enum ent_scope scope;
    const char *account; /* id or key of the account (scope account only) */
};

/*
 * Checks a presented secret and makes its key the context's principal. A warm path: known keys
 * are answered from memory, without the store.
 * Errors: ENT_EAUTH (unknown, malformed or revoked key), ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_keys_authenticate(struct ent_ctx *ctx, const char *secret, size_t secret_len,
                                  struct ent_error *err);

/* The context's principal (scope ENT_SCOPE_NONE before authentication). */
ENT_API const struct ent_principal *ent_ctx_principal(const struct ent_ctx *ctx);

/* Makes p the context's principal, for programs that authenticate by other means. */
ENT_API void ent_ctx_set_principal(struct ent_ctx *ctx, const struct ent_principal *p);

/*
 * Creates an API key. OUT key: the key, with its secret shown this once.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND (account), ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_keys_create(struct ent_ctx *ctx, const struct ent_key_input *in,
                            struct ent_key *key, struct ent_error *err);

/*
 * When the store holds no API key at all, creates an admin key and writes its secret into
 * secret (cap bytes, at least 64), so that a new deployment can be used at once; otherwise
 * leaves secret empty. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_keys_bootstrap(struct ent_app *app, int64_t now_ms, char *secret, size_t secret_cap,
                               struct ent_error *err);

/* Revokes a key by id; revoking twice is not an error. Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN. */
ENT_API int ent_keys_revoke(struct ent_ctx *ctx, const char *id, struct ent_error *err);

/*
 * The key the context's principal authenticated with (any scope), never its secret: how a
 * client such as the web console learns what its key may do. OUT key (strings in the context's
 * arena). Errors: ENT_EAUTH (no key: a principal set by other means), ENT_ENOTFOUND (the key
 * was deleted from the store meanwhile), ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_keys_current(struct ent_ctx *ctx, struct ent_key *key, struct ent_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Lists                                                                                       */
/* ------------------------------------------------------------------------------------------ */

#define ENT_LIST_MAX_FILTERS 6

/* A list request: paging, search, sort and filters, as the API's query string gives them. */
struct ent_list_query {
    int64_t limit;      /* 1..100 */
    int64_t offset;     /* >= 0 */
    int64_t page;       /* 1, 2, …: the page of page_size items (offset (page - 1) × page_size);
                           0: not asked (limit and offset say) */
    int64_t page_size;  /* 1..100 with page (default 20); 0: not asked */
    bool offset_given;  /* offset was asked for (it may not be with page) */
    const char *search; /* substring of names and keys; NULL: none */
    const char *sort;   /* "field,-field,…" (up to 4; "-": descending); NULL: the default */
    size_t n_filters;
    struct {
        const char *name;  /* e.g. "type" */
        const char *value; /* e.g. "quantity" */
    } filters[ENT_LIST_MAX_FILTERS];
};

/* The size and offset of the page q asks for: limit and offset, or page and page_size. */
ENT_API void ent_list_page(const struct ent_list_query *q, int64_t *size, int64_t *offset);

/* A page of a list: items is an array of the resource's struct, in the context's arena. */
struct ent_list {
    void *items;
    size_t count;
    int64_t total_count;
};

/* ------------------------------------------------------------------------------------------ */
/* Catalog: features                                                                           */
/* ------------------------------------------------------------------------------------------ */

enum ent_feature_type {
    ENT_FEATURE_SWITCH = 1,
    ENT_FEATURE_QUANTITY,
    ENT_FEATURE_RANGE,
    ENT_FEATURE_CUSTOM,
    ENT_FEATURE_METERED,
};

enum ent_period {
    ENT_PERIOD_NONE = 0, /* not metered */
    ENT_PERIOD_HOUR,
    ENT_PERIOD_DAY,
    ENT_PERIOD_WEEK, /* ISO week, from Monday 00:00 UTC */
    ENT_PERIOD_MONTH,
    ENT_PERIOD_YEAR,
    ENT_PERIOD_NEVER,
};

enum ent_status {
    ENT_STATUS_ACTIVE = 1,
    ENT_STATUS_ARCHIVED,
};

/* A level of a feature: a value a product may grant, with its display name. */
struct ent_level {
    const char *value; /* "20", "pro", or "unlimited" when is_unlimited */
    const char *name;  /* display name, generated unless given ("20 users") */
    bool is_unlimited;
};

/* Bits of ent_feature.set: which fields a PATCH gives. */
enum {
    ENT_FEATURE_F_NAME = 1u << 0,
    ENT_FEATURE_F_UNIT = 1u << 1,
    ENT_FEATURE_F_LEVELS = 1u << 2,
    ENT_FEATURE_F_RESET_PERIOD = 1u << 3,
    ENT_FEATURE_F_ACTIVATIONS = 1u << 4,
    ENT_FEATURE_F_STATUS = 1u << 5,
    ENT_FEATURE_F_ATTRIBUTES = 1u << 6,
};

/* A product's grant of a feature, given when the feature is created (issue 17, seed 001). */
struct ent_feature_grant {
    const char *product; /* input: id or key; output: the product's key */
    char product_id[37];
    const char *value; /* checked against the feature's type and levels; output: normalised */
    const char *name;  /* display name, generated unless given */
};

struct ent_feature {
    char id[37];
    const char *key;
    const char *name;
    enum ent_feature_type type;
    const char *unit; /* singular ("user"); NULL when none */
    struct ent_level *levels;
    size_t n_levels;
    enum ent_period reset_period; /* ENT_PERIOD_NONE unless metered */
    bool activations_enabled;
    enum ent_status status;
    const char *attributes; /* free-form JSON object, as canonical text */
    int64_t created_ms;
    int64_t updated_ms;
    unsigned set; /* input only: ENT_FEATURE_F_* bits given by a PATCH */
    /* Create only: the products that grant the feature, set in the feature's own transaction
     * (seed 001: "item entitlements can be created while creating a feature"); NULL otherwise.
     * The answer of a create that gave them lists them as stored. */
    struct ent_feature_grant *products;
    size_t n_products;
};

/*
 * Creates a feature after checking its type, levels (seed 001 rules), key and name (unique,
 * whatever their case), and, with in->products, what each of those products grants of it (each
 * checked as ent_products_set_entitlement() does; a physical_goods product grants nothing), in
 * one transaction: every field error is reported at once, and nothing is written unless all is.
 * OUT out: the stored feature, display names filled in (out->products: the grants as stored).
 * Errors: ENT_EINVAL, ENT_ECONFLICT (key or name taken), ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_features_create(struct ent_ctx *ctx, const struct ent_feature *in,
                                struct ent_feature *out, struct ent_error *err);

/* Reads a feature by id or key. Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESTORE. */
ENT_API int ent_features_get(struct ent_ctx *ctx, const char *id_or_key, struct ent_feature *out,
                             struct ent_error *err);

/*
 * Changes the fields of patch->set. Changing levels is refused (ENT_ECONFLICT) while a product
 * grants a value the new levels no longer allow.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ECONFLICT, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_features_update(struct ent_ctx *ctx, const char *id_or_key,
                                const struct ent_feature *patch, struct ent_feature *out,
                                struct ent_error *err);

/* Deletes a feature no product uses. Errors: ENT_ENOTFOUND, ENT_ECONFLICT, ENT_EFORBIDDEN. */
ENT_API int ent_features_delete(struct ent_ctx *ctx, const char *id_or_key, struct ent_error *err);

/* Lists features (filters: type, status). OUT list: items are struct ent_feature. */
ENT_API int ent_features_list(struct ent_ctx *ctx, const struct ent_list_query *q,
                              struct ent_list *list, struct ent_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Catalog: products                                                                           */
/* ------------------------------------------------------------------------------------------ */

enum ent_category {
    ENT_CATEGORY_RECURRING_SERVICES = 1,
    ENT_CATEGORY_PROFESSIONAL_SERVICES,
    ENT_CATEGORY_CUSTOMER_SUPPORT,
    ENT_CATEGORY_PHYSICAL_GOODS,
    ENT_CATEGORY_OTHER,
};

/* What a product grants of one feature. */
struct ent_product_entitlement {
    const char *feature; /* the feature's key (input: id or key) */
    char feature_id[37];
    const char *value; /* normalised: "unlimited" lower-case, "true"/"false" for switches */
    const char *name;  /* display name, generated unless given */
};

/* One component of a bundle. */
struct ent_component {
    const char *product; /* the component's key (input: id or key) */
    char product_id[37];
    int64_t quantity; /* >= 1 */
};

struct ent_license_model {
    bool present;
    const char *issuer; /* each NULL when not given */
    const char *vendor_string;
    const char *notice;
    /* Signed licenses (issue 13) */
    const char *name;          /* the model's name (seed 004) */
    const char *serial_prefix; /* serial numbers "<prefix>-XXXX-XXXX-XXXX"; NULL: "LIC" */
    bool self_service;         /* account keys may issue their own account's licenses */
    /* Seed 004 (issue 17) */
    const char *attributes; /* its custom attributes: a JSON object as canonical text ("{}") */
};

enum {
    ENT_PRODUCT_F_NAME = 1u << 0,
    ENT_PRODUCT_F_CATEGORY = 1u << 1,
    ENT_PRODUCT_F_DESCRIPTION = 1u << 2,
    ENT_PRODUCT_F_ENTITLEMENTS = 1u << 3,
    ENT_PRODUCT_F_COMPONENTS = 1u << 4,
    ENT_PRODUCT_F_LICENSE_MODEL = 1u << 5,
    ENT_PRODUCT_F_MAX_LEASES = 1u << 6,
    ENT_PRODUCT_F_MAX_LEASE_DAYS = 1u << 7,
    ENT_PRODUCT_F_STATUS = 1u << 8,
    ENT_PRODUCT_F_ATTRIBUTES = 1u << 9,
    ENT_PRODUCT_F_PART_NUMBER = 1u << 10, /* seed 004 (issue 17) */
    ENT_PRODUCT_F_VERSION = 1u << 11,
};

struct ent_product {
    char id[37];
    const char *key;
    const char *name;
    enum ent_category category;
    const char *description; /* NULL when none */
    struct ent_product_entitlement *entitlements;
    size_t n_entitlements;
    struct ent_component *components;
    size_t n_components;
    struct ent_license_model license_model;
    int64_t max_leases;     /* -1: no limit */
    int64_t max_lease_days; /* -1: no limit */
    enum ent_status status;
    const char *attributes;
    int64_t created_ms;
    int64_t updated_ms;
    unsigned set; /* input only: ENT_PRODUCT_F_* bits given by a PATCH */
    /* Seed 004 (issue 17) */
    const char *part_number; /* the vendor's part number; NULL when none */
    const char *version;     /* the product's version ("2026.1"); NULL when none */
    /* Output of a list filtered by feature (issue 17, seed 001): what the product grants of
     * that feature (one of entitlements); NULL otherwise. */
    const struct ent_product_entitlement *grant;
};

/*
 * Creates a product. Each product entitlement's value is checked against its feature's type
 * and levels; components must exist and form no cycle.
 * Errors: ENT_EINVAL, ENT_ECONFLICT (key taken), ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_products_create(struct ent_ctx *ctx, const struct ent_product *in,
                                struct ent_product *out, struct ent_error *err);
ENT_API int ent_products_get(struct ent_ctx *ctx, const char *id_or_key, struct ent_product *out,
                             struct ent_error *err);
/* Changes the fields of patch->set; entitlements and components replace the whole list. */
ENT_API int ent_products_update(struct ent_ctx *ctx, const char *id_or_key,
                                const struct ent_product *patch, struct ent_product *out,
                                struct ent_error *err);
/* Deletes a product that is no bundle's component. Errors: ENT_ENOTFOUND, ENT_ECONFLICT. */
ENT_API int ent_products_delete(struct ent_ctx *ctx, const char *id_or_key, struct ent_error *err);
/*
 * Lists products (filters: category, status, feature: the products that grant that feature
 * directly, each with its grant of it in grant). Admin and read keys.
 */
ENT_API int ent_products_list(struct ent_ctx *ctx, const struct ent_list_query *q,
                              struct ent_list *list, struct ent_error *err);

/*
 * Sets what a product grants of one feature (PUT), or removes it. OUT out: the stored product
 * entitlement. Errors: ENT_EINVAL, ENT_ENOTFOUND (product, feature, or not granted for remove).
 */
ENT_API int ent_products_set_entitlement(struct ent_ctx *ctx, const char *product,
                                         const char *feature, const char *value, const char *name,
                                         struct ent_product_entitlement *out,
                                         struct ent_error *err);
ENT_API int ent_products_remove_entitlement(struct ent_ctx *ctx, const char *product,
                                            const char *feature, struct ent_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Accounts                                                                                    */
/* ------------------------------------------------------------------------------------------ */

enum ent_account_type {
    ENT_ACCOUNT_CUSTOMER = 1,
    ENT_ACCOUNT_CHANNEL_PARTNER,
    ENT_ACCOUNT_PUBLISHER,
    ENT_ACCOUNT_SELF_REGISTERED,
    ENT_ACCOUNT_UNKNOWN,
};

/* An account's tier in a distribution chain (seed 004): who it sells to. */
enum ent_partner_tier {
    ENT_PARTNER_TIER_END_CUSTOMER = 1, /* the chain ends here: it uses what it holds */
    ENT_PARTNER_TIER_ONE,              /* a first-tier partner: it passes entitlements on */
};

enum {
    ENT_ACCOUNT_F_NAME = 1u << 0,
    ENT_ACCOUNT_F_TYPE = 1u << 1,
    ENT_ACCOUNT_F_PARENT = 1u << 2,
    ENT_ACCOUNT_F_CONTACT_EMAIL = 1u << 3,
    ENT_ACCOUNT_F_ATTRIBUTES = 1u << 4,
    ENT_ACCOUNT_F_PARTNER_TIER = 1u << 5,
};

struct ent_account {
    char id[37];
    const char *key;
    const char *name;
    enum ent_account_type type;
    const char *parent; /* input: id or key, NULL for none; output: the parent's id or NULL */
    const char *contact_email; /* NULL when none */
    const char *attributes;
    int64_t created_ms;
    int64_t updated_ms;
    unsigned set;                       /* input only: ENT_ACCOUNT_F_* bits given by a PATCH */
    enum ent_partner_tier partner_tier; /* input 0: end_customer */
};

/*
 * Creates an account. Errors: ENT_EINVAL (fields, unknown parent), ENT_ECONFLICT (key taken),
 * ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_accounts_create(struct ent_ctx *ctx, const struct ent_account *in,
                                struct ent_account *out, struct ent_error *err);
/* Reads an account; an account key sees its own account alone (others: ENT_ENOTFOUND). */
ENT_API int ent_accounts_get(struct ent_ctx *ctx, const char *id_or_key, struct ent_account *out,
                             struct ent_error *err);
/* Changes the fields of patch->set; a parent that would make a cycle: ENT_EINVAL. */
ENT_API int ent_accounts_update(struct ent_ctx *ctx, const char *id_or_key,
                                const struct ent_account *patch, struct ent_account *out,
                                struct ent_error *err);
/* Deletes an account without child accounts. Errors: ENT_ENOTFOUND, ENT_ECONFLICT. */
ENT_API int ent_accounts_delete(struct ent_ctx *ctx, const char *id_or_key, struct ent_error *err);
ENT_API int ent_accounts_list(struct ent_ctx *ctx, const struct ent_list_query *q,
                              struct ent_list *list, struct ent_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Orders                                                                                      */
/* ------------------------------------------------------------------------------------------ */

enum ent_order_type {
    ENT_ORDER_TYPE_NEW = 1,
    ENT_ORDER_TYPE_RENEWAL,
    ENT_ORDER_TYPE_UPGRADE,
    ENT_ORDER_TYPE_UPSELL,
};

enum ent_order_status {
    ENT_ORDER_DRAFT = 1,
    ENT_ORDER_ACTIVE,
};

/* Seed 004 (issue 17): what a line item is. */
enum ent_line_item_kind {
    ENT_LINE_ITEM_PRODUCT = 1, /* a product: activation makes its entitlements */
    ENT_LINE_ITEM_MAINTENANCE, /* maintenance of the line item its parent_activation_id names:
                                  no entitlement of its own; the one it maintains answers until
                                  when it is under maintenance */
};

/* Bits of ent_line_item.set: the fields given (create: the flags; PATCH: what changes). */
enum {
    ENT_LINE_ITEM_F_PRODUCT = 1u << 0,
    ENT_LINE_ITEM_F_ORDER_TYPE = 1u << 1,
    ENT_LINE_ITEM_F_PARENT = 1u << 2,
    ENT_LINE_ITEM_F_ATTRIBUTES = 1u << 3,
    ENT_LINE_ITEM_F_ACTIVATABLE = 1u << 4,
    ENT_LINE_ITEM_F_AUTO_DEPLOY = 1u << 5,
    ENT_LINE_ITEM_F_PRODUCT_VERSION = 1u << 6,
    ENT_LINE_ITEM_F_PART_NUMBER = 1u << 7,
};

/* One line of an order: a product, how many, and for how long. */
struct ent_line_item {
    char id[37];
    const char *product; /* input: id or key; output: the product's key */
    char product_id[37];
    int64_t quantity;          /* copies, >= 1 (default 1) */
    int64_t quantity_per_copy; /* >= 1 (default 1) */
    int64_t start_ms;          /* input ENT_TIME_NONE: the order's creation */
    int64_t end_ms;            /* ENT_TIME_NONE when permanent */
    bool permanent;
    enum ent_order_type order_type;   /* default new */
    const char *activation_id;        /* given, or generated ("ACT-…") */
    const char *parent_activation_id; /* the line item or entitlement this one extends */
    const char *attributes;
    /* Seed 004 (issue 17) */
    enum ent_line_item_kind kind; /* input 0: product */
    bool activatable;             /* false: activations by its entitlements are refused
                                     (ENT_ENOTACTIVATABLE); input: true unless set says */
    bool auto_deploy;             /* deployed when the order is activated; input: true unless
                                     set says; false: it waits for ent_line_items_deploy() */
    bool deployed;                /* output: deployed (its entitlements exist and are not
                                     undeployed; for maintenance: its maintenance counts) */
    const char *product_version;  /* the version of its product; input NULL: the product's */
    const char *part_number;      /* the part number of its product; input NULL: the product's */
    unsigned set;                 /* input: ENT_LINE_ITEM_F_* bits given */
};

/* Bits of ent_order.set: which fields a PATCH gives (seed 004, issue 17). */
enum {
    ENT_ORDER_F_ACCOUNT = 1u << 0,
    ENT_ORDER_F_EXTERNAL_ID = 1u << 1,
    ENT_ORDER_F_DESCRIPTION = 1u << 2,
    ENT_ORDER_F_SHIP_TO_EMAIL = 1u << 3,
    ENT_ORDER_F_SHIP_TO_ADDRESS = 1u << 4,
    ENT_ORDER_F_ATTRIBUTES = 1u << 5,
};

struct ent_order {
    char id[37];
    const char *number;  /* "ORD-000001" */
    const char *account; /* input: id or key */
    char account_id[37];
    enum ent_order_status status;
    struct ent_line_item *items;
    size_t n_items;
    const char *attributes;
    int64_t created_ms;
    int64_t updated_ms;
    int64_t activated_ms; /* ENT_TIME_NONE while draft */
    bool activate;        /* input only: activate at once */
    /* Seed 004 (issue 17) */
    const char *external_id;     /* the caller's own id for it (seed 004's entitlement id):
                                    1 to 64 of [A-Za-z0-9_.:-], unique; NULL: none */
    const char *description;     /* NULL when none */
    const char *ship_to_email;   /* the ship-to contact's e-mail address; NULL when none */
    const char *ship_to_address; /* the ship-to contact's address; NULL when none */
    unsigned set;                /* input only: ENT_ORDER_F_* bits given by a PATCH */
};

/*
 * Creates an order as a draft (or activates it at once when in->activate). Activation ids are
 * generated where not given; a given one that is taken anywhere: ENT_ECONFLICT.
 * Errors: ENT_EINVAL, ENT_ECONFLICT, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_orders_create(struct ent_ctx *ctx, const struct ent_order *in,
                              struct ent_order *out, struct ent_error *err);
ENT_API int ent_orders_get(struct ent_ctx *ctx, const char *id, struct ent_order *out,
                           struct ent_error *err);
/*
 * Activates a draft order in one transaction: one entitlement per line item whose product's
 * category says so (seed 000): professional_services and customer_support always, even
 * without features; recurring_services and other when they grant features; physical_goods
 * never (a bundle: one per qualifying component, parented to the bundle's). Activating an
 * active order changes nothing and answers the same. Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN.
 */
ENT_API int ent_orders_activate(struct ent_ctx *ctx, const char *id, struct ent_order *out,
                                struct ent_error *err);
/* Lists orders (filters: account, status, external_id). */
ENT_API int ent_orders_list(struct ent_ctx *ctx, const struct ent_list_query *q,
                            struct ent_list *list, struct ent_error *err);

/*
 * Seed 004 (issue 17). ent_orders_get() accepts an order's id or its external_id.
 *
 * Changes the fields of patch->set of a draft order (account, external_id, description,
 * ship_to_email, ship_to_address, attributes); an active order: ENT_ECONFLICT (its line items
 * change one by one). Records "order.updated". Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ECONFLICT
 * (also: external_id taken), ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_orders_update(struct ent_ctx *ctx, const char *id, const struct ent_order *patch,
                              struct ent_order *out, struct ent_error *err);

/*
 * Adds line items to an order, draft or active, checked as at creation (field paths
 * "items[i]…" count from the first item added). Those of an active order that auto-deploy are
 * deployed at once. Records "order.updated". Errors: as ent_orders_create(), ENT_ENOTFOUND.
 */
ENT_API int ent_line_items_add(struct ent_ctx *ctx, const char *id,
                               const struct ent_line_item *items, size_t n_items,
                               struct ent_order *out, struct ent_error *err);

/*
 * Changes the line item of order id whose activation id (or id) is item: the fields of
 * patch->set among product, order_type, parent_activation_id, attributes, activatable,
 * auto_deploy, product_version, part_number. Once deployed, its own entitlement follows
 * (product, order type, parent, attributes; activatable: each of its entitlements), each change
 * audited ("entitlement.updated"); a new product for a deployed line item whose old or new
 * product is a bundle: ENT_ECONFLICT. Records "order.updated".
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ECONFLICT, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_line_items_update(struct ent_ctx *ctx, const char *id, const char *item,
                                  const struct ent_line_item *patch, struct ent_order *out,
                                  struct ent_error *err);

/*
 * Deploys (deploy true) or undeploys one line item of an order, draft or active. Deploying makes
 * its entitlements (or resumes those its undeployment suspended); undeploying suspends them. A
 * maintenance line item counts while deployed. Either, done already, changes nothing. Records
 * "order.item_deployed" or "order.item_undeployed" (and the entitlements' own events).
 * Errors: ENT_ENOTFOUND, ENT_EINVAL, ENT_ECONFLICT, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_line_items_deploy(struct ent_ctx *ctx, const char *id, const char *item,
                                  bool deploy, struct ent_order *out, struct ent_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Entitlements                                                                                */
/* ------------------------------------------------------------------------------------------ */

enum ent_source {
    ENT_SOURCE_ORDER = 1,
    ENT_SOURCE_LEASE,
    ENT_SOURCE_MANUAL,
};

/* Set states first, then those derived from the dates at the moment asked. */
enum ent_entitlement_status {
    ENT_ENTITLEMENT_ACTIVE = 1,
    ENT_ENTITLEMENT_SUSPENDED,
    ENT_ENTITLEMENT_REVOKED,
    ENT_ENTITLEMENT_PENDING, /* active, but starts later */
    ENT_ENTITLEMENT_EXPIRED, /* active, but ended */
};

enum {
    ENT_ENTITLEMENT_F_STATUS = 1u << 0,
    ENT_ENTITLEMENT_F_END = 1u << 1,
    ENT_ENTITLEMENT_F_QUANTITY = 1u << 2,
    ENT_ENTITLEMENT_F_QUANTITY_PER_COPY = 1u << 3,
    ENT_ENTITLEMENT_F_ACCOUNT = 1u << 4,
    ENT_ENTITLEMENT_F_ATTRIBUTES = 1u << 5,
    ENT_ENTITLEMENT_F_START = 1u << 6,
    ENT_ENTITLEMENT_F_ACTIVATABLE = 1u << 7, /* seed 004 (issue 17) */
};

/*
 * The maintenance that covers an entitlement (seed 004): the deployed maintenance line items
 * whose parent_activation_id names it, over periods that follow on without a gap from the time
 * asked.
 */
struct ent_maintenance {
    bool covered;                /* under maintenance at the time asked; else the rest is unset */
    int64_t until_ms;            /* until when; ENT_TIME_NONE: for good (a permanent one) */
    const char *activation_id;   /* the maintenance line item that reaches furthest */
    const char *product;         /* its product's key */
    const char *product_version; /* NULL when none */
    const char *part_number;     /* NULL when none */
};

/*
 * One account that held an entitlement along a distribution chain (seed 004: a publisher, a
 * channel partner, an end customer), with the account's fields as they are now.
 */
struct ent_entitlement_owner {
    char account_id[37];
    const char *key;
    const char *name;
    enum ent_account_type type;
    enum ent_partner_tier partner_tier;
    const char *contact_email; /* NULL when none */
    int64_t since_ms;          /* when it came to hold the entitlement */
    int64_t until_ms;          /* when it passed it on; ENT_TIME_NONE for the current owner */
    bool current;              /* the current owner: the entitlement's account, the last */
};

struct ent_entitlement {
    char id[37];
    const char *number;  /* "ENT-000001" */
    const char *account; /* input: id or key */
    char account_id[37];
    const char *product; /* the product's key; NULL for a grant of one feature value */
    char product_id[37];
    const char *feature; /* a grant of one feature value: the feature's key; else NULL */
    char feature_id[37];
    const char *value; /* the value granted of feature */
    bool override;     /* the value replaces what the account's other grants combine to */
    const char *name;  /* the product's name, or the value's display name */
    enum ent_entitlement_status status; /* output: derived at the context's time */
    enum ent_source source;
    char order_id[37];
    char lease_id[37];
    const char *activation_id;
    char parent_id[37];
    int64_t quantity;
    int64_t quantity_per_copy;
    enum ent_order_type order_type;
    int64_t start_ms; /* input ENT_TIME_NONE: now */
    int64_t end_ms;   /* ENT_TIME_NONE when permanent */
    bool permanent;
    const char *attributes;
    int64_t created_ms;
    int64_t updated_ms;
    unsigned set; /* input only: ENT_ENTITLEMENT_F_* bits given by a PATCH */
    /* Seed 004 (issue 17) */
    struct ent_entitlement_owner *owners; /* output: every account that held it, in order; the
                                             last is the current owner (NULL: not read) */
    size_t n_owners;
    bool activatable; /* false: activations by it are refused (ENT_ENOTACTIVATABLE); input: true
                         unless set has ENT_ENTITLEMENT_F_ACTIVATABLE */
    char line_item_id[37];              /* the order line item it came from; "" when none */
    struct ent_maintenance maintenance; /* output: the maintenance covering it now */
    /* Product categories and service units (issue 17, seed 000). */
    enum ent_category product_category; /* its product's category when it was made; 0 for a
                                           grant of one feature value */
    bool has_units;    /* output: a service (professional_services, customer_support), whose
                          units (quantity x quantity_per_copy) can be drawn down */
    int64_t units;     /* output, with has_units: quantity x quantity_per_copy */
    int64_t consumed;  /* output: the units drawn down so far (0 unless a service) */
    int64_t remaining; /* output, with has_units: units - consumed, never below 0 */
};

/*
 * Grants a product, or one feature value (feature + value, optionally override), to an account
 * by hand (source manual). Errors: ENT_EINVAL, ENT_ECONFLICT (activation id taken).
 */
ENT_API int ent_entitlements_create(struct ent_ctx *ctx, const struct ent_entitlement *in,
                                    struct ent_entitlement *out, struct ent_error *err);
/* Reads an entitlement by id or activation id. */
ENT_API int ent_entitlements_get(struct ent_ctx *ctx, const char *id, struct ent_entitlement *out,
                                 struct ent_error *err);
/*
 * Changes an entitlement: status active/suspended (suspend, resume), end (extend), quantities,
 * account (transfer), attributes. A revoked entitlement cannot change: ENT_ECONFLICT.
 */
ENT_API int ent_entitlements_update(struct ent_ctx *ctx, const char *id,
                                    const struct ent_entitlement *patch,
                                    struct ent_entitlement *out, struct ent_error *err);
/* Revokes an entitlement; the record is kept with status revoked. */
ENT_API int ent_entitlements_revoke(struct ent_ctx *ctx, const char *id,
                                    struct ent_entitlement *out, struct ent_error *err);
/* Lists entitlements (filters: account, product, feature, status, source, order). */
ENT_API int ent_entitlements_list(struct ent_ctx *ctx, const struct ent_list_query *q,
                                  struct ent_list *list, struct ent_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Custom attribute definitions (seed 004, issue 17)                                           */
/* ------------------------------------------------------------------------------------------ */

/* The objects whose attributes a definition is about. */
enum ent_attribute_object {
    ENT_ATTRIBUTE_OBJECT_ACCOUNT = 1,
    ENT_ATTRIBUTE_OBJECT_ORDER,
    ENT_ATTRIBUTE_OBJECT_LINE_ITEM,
    ENT_ATTRIBUTE_OBJECT_ENTITLEMENT,   /* grants by hand and changes of an entitlement */
    ENT_ATTRIBUTE_OBJECT_LICENSE_MODEL, /* a product's license model */
};

/* The type of an attribute's value. */
enum ent_attribute_type {
    ENT_ATTRIBUTE_STRING = 1, /* a JSON string */
    ENT_ATTRIBUTE_NUMBER,     /* a JSON number, or a string holding one (kept as a number) */
    ENT_ATTRIBUTE_BOOLEAN,    /* true or false, or the string "true" or "false" (kept as one) */
    ENT_ATTRIBUTE_DATE,       /* "yyyy/MM/dd" (seed 004) or "YYYY-MM-DD", kept as "YYYY-MM-DD" */
};

/*
 * A custom attribute: the attributes of an object of a kind may (or, when required, must) carry
 * it, with a value of its type. Attributes no definition names stay free-form.
 */
struct ent_attribute_definition {
    char id[37];
    enum ent_attribute_object object;
    const char *name; /* 1 to 64 of [A-Za-z0-9_.-]; unique per object, case-insensitively */
    enum ent_attribute_type type;
    bool required;           /* every new object of its kind must carry it */
    const char *description; /* NULL when none */
    int64_t created_ms;
    int64_t updated_ms;
};

/*
 * Defines a custom attribute. From then on, every write of attributes of an object of its kind
 * (accounts, orders, line items, entitlements granted or changed by hand, license models) is
 * checked against it: a value of another type, or a required one missing (on create, and on a
 * change that gives the attributes), is a field error naming "attributes.<name>"; dates are
 * stored as "YYYY-MM-DD", numbers and booleans given as strings as JSON numbers and booleans.
 * Records "attribute_definition.created". Admin keys only.
 * Errors: ENT_EINVAL, ENT_ECONFLICT (the name is taken for the object), ENT_EFORBIDDEN,
 * ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_attribute_definitions_create(struct ent_ctx *ctx,
                                             const struct ent_attribute_definition *in,
                                             struct ent_attribute_definition *out,
                                             struct ent_error *err);
/* Reads a definition by id. Admin and read keys. Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN. */
ENT_API int ent_attribute_definitions_get(struct ent_ctx *ctx, const char *id,
                                          struct ent_attribute_definition *out,
                                          struct ent_error *err);
/*
 * Deletes a definition ("attribute_definition.deleted"): attributes already written keep their
 * values. Admin keys only. Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESTORE.
 */
ENT_API int ent_attribute_definitions_delete(struct ent_ctx *ctx, const char *id,
                                             struct ent_error *err);
/* Lists definitions (filters: object, type). Admin and read keys. */
ENT_API int ent_attribute_definitions_list(struct ent_ctx *ctx, const struct ent_list_query *q,
                                           struct ent_list *list, struct ent_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Transfers along a distribution chain (seed 004, issue 17)                                   */
/* ------------------------------------------------------------------------------------------ */

struct ent_transfer_input {
    const char *account; /* the receiving account: id or key */
    int64_t quantity;    /* the copies moved, 1 to the entitlement's quantity; 0: all of them */
};

/* What a transfer did. */
struct ent_transfer {
    bool split;                       /* part of the copies moved: a new entitlement holds them */
    struct ent_entitlement moved;     /* what the receiving account holds now */
    struct ent_entitlement remainder; /* with split: what the giving account keeps */
};

/*
 * Moves an entitlement (id or activation id), or some of its copies, to another account: the
 * next link of a distribution chain. All of it: the entitlement changes hands, and so do its
 * child entitlements the giver holds (a bundle's components, line items that extend it). Part
 * of it (1 <= quantity < the entitlement's quantity): the entitlement keeps the rest and a new
 * one (its own activation id, the same product, dates, order and line item) holds the part
 * moved. Each records the giver among its owners; the old owner's evaluation stops counting
 * what moved. Refused (ENT_ECONFLICT) for a revoked entitlement, a lease's, one with child
 * entitlements when split, and while activations hold more seats of it than the giver keeps.
 * Admin keys only. Records "entitlement.transferred" (and "entitlement.created" for a split).
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ECONFLICT, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 * Thread safety: two transfers of one entitlement run one after the other (the store's lock on
 * its row), so no copy moves twice.
 */
ENT_API int ent_transfers_apply(struct ent_ctx *ctx, const char *id,
                                const struct ent_transfer_input *in, struct ent_transfer *out,
                                struct ent_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Leases (trials)                                                                             */
/* ------------------------------------------------------------------------------------------ */

enum ent_lease_status {
    ENT_LEASE_ACTIVE = 1,
    ENT_LEASE_EXPIRED,
};

struct ent_lease {
    char id[37];
    const char *account; /* input: id or key */
    char account_id[37];
    const char *product; /* input: id or key; output: the product's key */
    char product_id[37];
    enum ent_lease_status status; /* derived from valid_until at the context's time */
    int64_t lease_count;
    int64_t valid_from_ms;
    int64_t valid_until_ms;
    int64_t last_lease_end_ms; /* the end of the lease before the current one, or ENT_TIME_NONE */
    int64_t created_ms;
    char created_by[37];
    int64_t updated_ms;
    char updated_by[37];
};

struct ent_lease_input {
    const char *account;
    const char *product;
    int64_t duration_days; /* >= 1, at most the product's max_lease_days */
    bool accepted_terms;   /* must be true */
};

/*
 * Applies a lease of a product to an account: from now for duration_days. Re-leasing after
 * expiry counts up. Errors: ENT_EINVAL, ENT_ELEASEACTIVE, ENT_ELEASELIMIT.
 */
ENT_API int ent_leases_apply(struct ent_ctx *ctx, const struct ent_lease_input *in,
                             struct ent_lease *out, struct ent_error *err);
ENT_API int ent_leases_get(struct ent_ctx *ctx, const char *id, struct ent_lease *out,
                           struct ent_error *err);
/* Extends an active lease to end duration_days after its start (or by days, when by). */
ENT_API int ent_leases_extend(struct ent_ctx *ctx, const char *id, int64_t valid_until_ms,
                              struct ent_lease *out, struct ent_error *err);
/* Lists leases (filters: account, product, status). */
ENT_API int ent_leases_list(struct ent_ctx *ctx, const struct ent_list_query *q,
                            struct ent_list *list, struct ent_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Evaluation                                                                                  */
/* ------------------------------------------------------------------------------------------ */

#define ENT_EVALUATE_MAX_FEATURES 100
#define ENT_EVALUATE_MAX_ACCOUNTS 100

/* One entitlement behind an answer ("explain"). */
struct ent_eval_source {
    char entitlement_id[37];
    const char *product; /* key, or NULL for a grant of one value */
    const char *value;
    int64_t quantity;
    enum ent_source source;
    int64_t start_ms;
    int64_t end_ms; /* ENT_TIME_NONE when permanent */
    bool override;
    struct ent_maintenance maintenance; /* seed 004: the maintenance covering it at the time */
};

/* The answer for one feature. */
struct ent_feature_answer {
    const char *feature;
    bool known; /* false: unknown_feature, and nothing else is set */
    enum ent_feature_type type;
    bool value;
    const char *reason; /* "granted", "not_granted", … */
    const char *level;  /* NULL when not granted */
    bool unlimited;
    bool has_limit; /* limit, usage and remaining apply */
    int64_t limit;
    int64_t usage;
    int64_t remaining;
    int64_t expires_at_ms; /* ENT_TIME_NONE: none */
    int64_t resets_at_ms;  /* metered: when the window ends; ENT_TIME_NONE: never */
    struct ent_eval_source *sources;
    size_t n_sources;
    bool archived;     /* the feature is archived (OFREP answers it as DISABLED) */
    bool counts_usage; /* usage applies: a metered feature, or one with activations (seats) */
};

struct ent_eval_answer {
    char account_id[37];
    int64_t evaluated_at_ms;
    struct ent_feature_answer *features;
    size_t n_features;
};

/*
 * Evaluates features (0 to 100: none answers an empty list, as seed 003 allows) for an account at
 * at_ms (ENT_TIME_NONE: the context's time), from the account's in-memory snapshot; a warm call
 * runs no SQL. A feature is found by its id or its key in any case (ASCII), and each answer names
 * it as asked (features[i], borrowed). An account key may pass account NULL to mean its own.
 * With explain, each answer lists its sources.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND (account), ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_evaluation_run(struct ent_ctx *ctx, const char *account,
                               const char *const *features, size_t n_features, int64_t at_ms,
                               bool explain, struct ent_eval_answer *out, struct ent_error *err);

/*
 * The account's effective value of every feature it holds now (GET
 * /v1/accounts/{id}/entitlements). Errors: as ent_evaluation_run().
 */
ENT_API int ent_evaluation_account(struct ent_ctx *ctx, const char *account,
                                   struct ent_eval_answer *out, struct ent_error *err);

/*
 * Every active feature of the catalog for an account, now, in the catalog's order (archived
 * features are left out); answered from memory like ent_evaluation_run(). Used by OFREP's bulk
 * evaluation. Errors: as ent_evaluation_run().
 */
ENT_API int ent_evaluation_all(struct ent_ctx *ctx, const char *account,
                               struct ent_eval_answer *out, struct ent_error *err);

/* ------------------------------------------------------------------------------------------ */
/* OpenFeature Remote Evaluation Protocol (OFREP): the views of an evaluation (issue 14)      */
/* ------------------------------------------------------------------------------------------ */

/*
 * OpenFeature SDKs ask for a boolean, number, string or object. Each feature F answers under
 * its own key ("seats": may the account use it now) and derived keys: "F.limit",
 * "F.remaining", "F.usage" (numbers; features of type quantity, range and metered),
 * "F.level" (string, every type) and "F.details" (object: the answer of /v1/evaluate).
 */
enum ent_ofrep_view {
    ENT_OFREP_VALUE = 0, /* "F": boolean */
    ENT_OFREP_LIMIT,     /* "F.limit": number */
    ENT_OFREP_REMAINING, /* "F.remaining": number */
    ENT_OFREP_USAGE,     /* "F.usage": number */
    ENT_OFREP_LEVEL,     /* "F.level": string */
    ENT_OFREP_DETAILS,   /* "F.details": object */
};

enum ent_ofrep_type {
    ENT_OFREP_BOOLEAN = 1,
    ENT_OFREP_NUMBER,
    ENT_OFREP_STRING,
    ENT_OFREP_OBJECT,
};

/* The number views give this for an unlimited grant: JSON's largest exact integer (2^53 - 1). */
#define ENT_OFREP_UNLIMITED 9007199254740991LL

/* One flag of OFREP: a view of one feature's answer. */
struct ent_ofrep_flag {
    const char *key; /* the flag key ("seats.limit") */
    enum ent_ofrep_view view;
    enum ent_ofrep_type type;
    bool boolean;                            /* ENT_OFREP_BOOLEAN */
    int64_t number;                          /* ENT_OFREP_NUMBER */
    const char *string;                      /* ENT_OFREP_STRING */
    const char *reason;                      /* "TARGETING_MATCH", "DEFAULT" or "DISABLED" */
    const char *variant;                     /* the granted level; NULL when nothing is granted */
    const struct ent_feature_answer *answer; /* the answer behind it (metadata, object view) */
};

/* A change stream's token: "<account id>.<expiry, s>.<32 hex digits>". */
#define ENT_OFREP_TOKEN_MAX 96

/* The answer of a bulk evaluation: every view of every active feature, and its entity tag. */
struct ent_ofrep_bulk {
    struct ent_eval_answer eval;
    struct ent_ofrep_flag *flags;
    size_t n_flags;
    char etag[20];                          /* "\"<16 hex digits>\"", quotes included */
    char stream_token[ENT_OFREP_TOKEN_MAX]; /* the account's change stream (SSE) */
    bool evaluated; /* eval and stream_token are filled; false: the tag is a kept one (still
                       the answers' tag) and ent_ofrep_bulk_flags() evaluates */
};

/*
 * Splits a flag key into its feature key (the first *feature_len bytes) and view. A key that is
 * a feature key of the catalog is that feature's boolean view whatever its dots: the caller
 * tries the whole key first. Returns false when the key has no view suffix (then the view is
 * ENT_OFREP_VALUE and the feature is the whole key).
 */
ENT_API bool ent_ofrep_split_key(const char *flag_key, size_t *feature_len,
                                 enum ent_ofrep_view *view);

/*
 * The view v of answer a as OFREP flag key. Rules: the boolean view is true when the feature is
 * granted, not archived and, when it has a limit, not unlimited, something remains; reason
 * TARGETING_MATCH when a grant decides (granted, limit reached), DEFAULT when nothing is granted
 * (not granted, pending, expired), DISABLED when the grant is suspended or the feature archived
 * (then the boolean view is false); variant: the granted level. Number views: the limit,
 * remaining and usage of the answer, 0 when it has none, ENT_OFREP_UNLIMITED for the limit and
 * remaining of an unlimited grant. The string view: the level, "" when nothing is granted.
 * Returns false when the view does not exist for the feature's type (number views of switch and
 * custom features) or the feature is unknown: FLAG_NOT_FOUND.
 */
ENT_API bool ent_ofrep_view_of(const struct ent_feature_answer *a, enum ent_ofrep_view v,
                               const char *key, struct ent_ofrep_flag *out);

/*
 * Evaluates one flag for an account (NULL: an account key's own; the error names
 * "targetingKey" when none is given). OUT *found false when no feature or view has that key.
 * Errors: ENT_EINVAL (no account), ENT_ENOTFOUND (account), ENT_EFORBIDDEN, ENT_ESTORE,
 * ENT_ENOMEM.
 */
ENT_API int ent_ofrep_evaluate(struct ent_ctx *ctx, const char *account, const char *flag_key,
                               struct ent_ofrep_flag *out, bool *found, struct ent_error *err);

/*
 * Evaluates every active feature for an account, now, and the entity tag of the answer: a hash
 * of every field of every answer (which decide every flag), of the account and of its stream
 * token, so it changes exactly when an answer changes (evaluated at each call: a window that
 * resets or a grant that starts or ends changes it from that moment on). The flags are made
 * apart (ent_ofrep_bulk_flags()), so that a 304 costs none. Memory in the context's arena.
 * Errors: as ent_ofrep_evaluate().
 */
ENT_API int ent_ofrep_evaluate_all(struct ent_ctx *ctx, const char *account,
                                   struct ent_ofrep_bulk *out, struct ent_error *err);

/*
 * Makes the flags of a bulk answer (out->flags, n_flags): every view of every feature, a
 * feature's own key winning over another's derived key. Errors: ENT_ENOMEM.
 */
ENT_API int ent_ofrep_bulk_flags(struct ent_ctx *ctx, struct ent_ofrep_bulk *out,
                                 struct ent_error *err);

/*
 * The entity tag of an evaluation (ent_ofrep_evaluate_all()): a hash of the account, of every
 * field of every answer, which decide every view, and of extra (the stream token the answer
 * carries; NULL: none). OUT out: "\"<16 hex digits>\"" and a NUL.
 */
ENT_API void ent_ofrep_etag(const struct ent_eval_answer *eval, const char *extra, char out[20]);

/*
 * The token of an account's change stream (OFREP ADR 0008: server-sent events telling a web
 * provider to fetch again): the account id, an expiry and a keyed hash of both (BLAKE2b under the
 * key file's secret, so every daemon of a store makes and accepts the same tokens). It expires at
 * the end of the day after today (UTC): the same all day, so a bulk answer's tag changes only
 * once a day for it. It carries no API key and grants nothing but the stream, which says only
 * that the account's answers changed. OUT out (ENT_OFREP_TOKEN_MAX bytes).
 */
ENT_API void ent_ofrep_stream_token(struct ent_ctx *ctx, const char *account_id, char *out);

/*
 * Checks a stream token and makes the context's principal an account principal (without a key)
 * of its account, for ent_ofrep_evaluate_all(). Errors: ENT_EAUTH (malformed, forged or
 * expired).
 */
ENT_API int ent_ofrep_stream_open(struct ent_ctx *ctx, const char *token, struct ent_error *err);

/*
 * How OFREP answers a library error: OUT *status (400, 401, 403, 404, 405, 429, 500) and
 * *code, the protocol's errorCode (PARSE_ERROR, TARGETING_KEY_MISSING, INVALID_CONTEXT,
 * FLAG_NOT_FOUND, GENERAL), or NULL for the statuses whose answer carries no errorCode.
 */
ENT_API void ent_ofrep_error(const struct ent_error *err, int *status, const char **code);

/* ------------------------------------------------------------------------------------------ */
/* Metered usage                                                                               */
/* ------------------------------------------------------------------------------------------ */

#define ENT_USAGE_BATCH_MAX 1000
#define ENT_USAGE_FUTURE_MS (5LL * 60 * 1000) /* timestamps further ahead are refused */

/* One usage event as a client sends it. */
struct ent_usage_input {
    const char *account;         /* id or key; an account key may leave it out (itself) */
    const char *feature;         /* id or key of a metered feature */
    const char *entitlement;     /* or (issue 17): a service entitlement (id or activation id)
                                    whose units the event draws down; ent_consumption_record() */
    int64_t amount;              /* >= 1 */
    int64_t timestamp_ms;        /* ENT_TIME_NONE: now; in the past it counts in its own window */
    const char *idempotency_key; /* unique per account for good; NULL: none */
    bool enforce;                /* refuse (ENT_ELIMIT) an event that would pass the limit */
};

/* The answer to one event (also the details of an ENT_ELIMIT refusal). */
struct ent_usage_result {
    int status;    /* 201 recorded, 200 a replay of an idempotency key, 409 refused */
    bool recorded; /* false for a refusal */
    char event_id[37];
    char account_id[37];
    int64_t usage;  /* the window's usage after the event (before it, when refused) */
    bool has_limit; /* false: unlimited, or no grant gives a limit */
    int64_t limit;
    int64_t remaining;       /* limit - usage, never below 0 */
    int64_t window_start_ms; /* ENT_TIME_NONE for `never` */
    int64_t window_end_ms;   /* ENT_TIME_NONE for `never` */
    /* A consumption (issue 17): usage is the entitlement's consumed after the event (before it,
     * when refused), limit its units (has_limit true), remaining what is left; no window. */
    char entitlement_id[37];   /* the entitlement drawn down; empty for a usage event */
    const char *activation_id; /* its activation id */
};

/*
 * Records one usage event. With enforce, checks and records atomically: whatever the
 * concurrency, the window's usage never passes the limit (ENT_ELIMIT, out filled, nothing
 * recorded). An idempotency key seen before for the account answers the first result again
 * (status 200) and counts nothing.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND (account), ENT_ELIMIT, ENT_EFORBIDDEN, ENT_ESTORE.
 */
ENT_API int ent_usage_record(struct ent_ctx *ctx, const struct ent_usage_input *in,
                             struct ent_usage_result *out, struct ent_error *err);

/*
 * Records up to ENT_USAGE_BATCH_MAX events, in order, each atomically and on its own: one
 * result per event in out[i], its failure (if any) in errs[i] (errs[i].code != ENT_OK).
 * Returns ENT_OK when the batch was processed (whatever each event's outcome).
 * Errors: ENT_EINVAL (the batch itself), ENT_ESTORE.
 */
/*
 * Records one usage event as ent_usage_record() does, by group commit: the events of
 * concurrent callers are recorded by the application's committer thread in one transaction
 * (one fsync for the group), each checked and counted exactly as on its own. The event is
 * checked first; when that refuses it, or when the context cannot take part (batch mode, an
 * Idempotency-Key bound), it is answered at once: *pending is false and the result is in out
 * and err (the return value as ent_usage_record's). Otherwise *pending is true: done(cls) is
 * called, from the committer's thread, once out and err hold the final result. Until then the
 * caller must not touch ctx, in, out or err. A result is never given before its group commits.
 * Errors (err->code when done): those of ent_usage_record().
 */
ENT_API int ent_usage_submit(struct ent_ctx *ctx, const struct ent_usage_input *in,
                             struct ent_usage_result *out, struct ent_error *err,
                             void (*done)(void *cls), void *cls, bool *pending);

ENT_API int ent_usage_record_batch(struct ent_ctx *ctx, const struct ent_usage_input *in, size_t n,
                                   struct ent_usage_result *out, struct ent_error *errs,
                                   struct ent_error *err);

/* One bucket of a usage series. */
struct ent_usage_bucket {
    int64_t start_ms;
    int64_t usage;
};

/*
 * The usage of a feature by an account between from_ms (inclusive) and to_ms (exclusive), in
 * buckets of granularity (hour, day or month), in time order; empty buckets are left out.
 * OUT account_id. Errors: ENT_EINVAL, ENT_ENOTFOUND.
 */
ENT_API int ent_usage_series(struct ent_ctx *ctx, const char *account, const char *feature,
                             int64_t from_ms, int64_t to_ms, enum ent_period granularity,
                             char *account_id, struct ent_usage_bucket **buckets, size_t *n,
                             struct ent_error *err);

/*
 * Draws in->amount units down from a service entitlement (issue 17, seed 000: a product of
 * category professional_services or customer_support; its units are quantity x
 * quantity_per_copy), named by in->entitlement (id or activation id). The entitlement must be
 * active and in force at the event's time (timestamp_ms, or now). in->account, when given, must
 * be the entitlement's; in->feature must not be given. With enforce, an event that would take
 * consumed past the units is refused (ENT_ELIMIT, out filled, nothing recorded), exact under any
 * concurrency; without, only past the largest number. An idempotency key seen before for the
 * entitlement answers the first result again (status 200) and counts nothing. Evaluation does
 * not change: consumption is the service's own account of its units. ent_usage_record() (and
 * its batch) calls it for an event that names an entitlement. Admin keys, and keys bound to the
 * entitlement's account (any other: ENT_ENOTFOUND, as a missing one).
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ECONFLICT (not a service, or not in force), ENT_ELIMIT,
 * ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_consumption_record(struct ent_ctx *ctx, const struct ent_usage_input *in,
                                   struct ent_usage_result *out, struct ent_error *err);

/*
 * The consumption of a service entitlement (id or activation id) between from_ms (inclusive)
 * and to_ms (exclusive), in buckets of granularity (hour, day or month), as ent_usage_series()
 * answers a feature's. account, when given (id or key), must be the entitlement's. Admin and
 * read keys; a key bound to an account reads its own account's alone.
 * OUT account_id, entitlement_id (37 bytes each), buckets, n.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_consumption_series(struct ent_ctx *ctx, const char *account,
                                   const char *entitlement, int64_t from_ms, int64_t to_ms,
                                   enum ent_period granularity, char *account_id,
                                   char *entitlement_id, struct ent_usage_bucket **buckets,
                                   size_t *n, struct ent_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Activations                                                                                 */
/* ------------------------------------------------------------------------------------------ */

enum ent_activation_status {
    ENT_ACTIVATION_ACTIVE = 1,
    ENT_ACTIVATION_EXPIRED,     /* floating, and its last heartbeat is older than its ttl */
    ENT_ACTIVATION_DEACTIVATED, /* released */
};

struct ent_activation {
    char id[37];
    char account_id[37];
    const char *feature; /* key of the feature whose seat it holds, or NULL */
    char feature_id[37];
    char entitlement_id[37];   /* the entitlement whose seat it holds, or empty */
    const char *activation_id; /* that entitlement's activation id, or NULL */
    const char *fingerprint;
    const char *name;     /* NULL when none */
    const char *metadata; /* free-form JSON object, canonical text */
    int64_t ttl_s;        /* 0: not floating */
    int64_t last_heartbeat_ms;
    int64_t expires_at_ms;             /* floating: last heartbeat + ttl; else ENT_TIME_NONE */
    enum ent_activation_status status; /* derived at the context's time */
    int64_t created_ms;
    int64_t updated_ms;
    int64_t deactivated_ms; /* ENT_TIME_NONE while not deactivated */
};

struct ent_activation_input {
    const char *account;       /* with feature: id or key (an account key: itself) */
    const char *feature;       /* a feature with activations_enabled */
    const char *activation_id; /* or: an entitlement by its activation id */
    const char *fingerprint;   /* 1 to 256 characters */
    const char *name;
    const char *metadata;
    int64_t ttl_s; /* 0: not floating; else 10 .. 2592000 */
};

/*
 * Takes a seat: by account and feature (limit: the account's effective value of the feature) or
 * by activation id (limit: quantity x quantity_per_copy of the entitlement). The same
 * fingerprint again is the same activation (*created false; a dead floating one is revived if a
 * seat is free). Exact under any concurrency.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ESEATS, ENT_EFORBIDDEN, ENT_ESTORE.
 */
ENT_API int ent_activations_activate(struct ent_ctx *ctx, const struct ent_activation_input *in,
                                     struct ent_activation *out, bool *created,
                                     struct ent_error *err);
ENT_API int ent_activations_get(struct ent_ctx *ctx, const char *id, struct ent_activation *out,
                                struct ent_error *err);
/* Releases a seat; the record is kept (status deactivated). Twice: the same answer. */
ENT_API int ent_activations_deactivate(struct ent_ctx *ctx, const char *id,
                                       struct ent_activation *out, struct ent_error *err);
/*
 * Keeps a floating activation alive. A dead one is revived only if a seat is free
 * (ENT_ESEATS otherwise); a deactivated one: ENT_ECONFLICT.
 */
ENT_API int ent_activations_heartbeat(struct ent_ctx *ctx, const char *id,
                                      struct ent_activation *out, struct ent_error *err);
/* Lists activations (filters: account, entitlement, feature, status). */
ENT_API int ent_activations_list(struct ent_ctx *ctx, const struct ent_list_query *q,
                                 struct ent_list *list, struct ent_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Audit events                                                                                */
/* ------------------------------------------------------------------------------------------ */

struct ent_event {
    char id[37];        /* UUIDv7: ids sort in the order events were written */
    const char *type;   /* "feature.created", … */
    char actor[37];     /* the key that made the change; empty for the system */
    char account[37];   /* the account concerned; empty when none */
    char object[37];    /* the changed object's id */
    const char *before; /* the object before, as encoded text; NULL when created */
    const char *after;  /* the object after; NULL when deleted */
    int64_t created_ms;
};

/* Lists the audit log, oldest first (filters: after, type, account). */
ENT_API int ent_events_list(struct ent_ctx *ctx, const struct ent_list_query *q,
                            struct ent_list *list, struct ent_error *err);

/* Lists API keys, never their secrets. */
ENT_API int ent_keys_list(struct ent_ctx *ctx, const struct ent_list_query *q,
                          struct ent_list *list, struct ent_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Idempotency                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/*
 * Binds the context's next write to an Idempotency-Key: route is "METHOD path", body the raw
 * request body. Call before the write.
 * Returns ENT_OK with *replayed false when the key is new (the write records its answer in
 * its own transaction), or with *replayed true and the first answer in status/body.
 * Errors: ENT_EINVAL (the key was used with another request), ENT_ECONFLICT (the first request
 * with this key is still in flight), ENT_EINVAL (key longer than 255 bytes), ENT_ESTORE.
 * Thread safety: in-flight keys are tracked across all threads of the application.
 */
ENT_API int ent_idempotency_begin(struct ent_ctx *ctx, const char *key, const char *route,
                                  const void *body, size_t body_len, bool *replayed, int *status,
                                  const char **answer, size_t *answer_len, struct ent_error *err);

/* Ends what ent_idempotency_begin() started (the in-flight mark); safe to call always. */
ENT_API void ent_idempotency_end(struct ent_ctx *ctx);

/* ------------------------------------------------------------------------------------------ */
/* Import: many changes in few transactions                                                    */
/* ------------------------------------------------------------------------------------------ */

/*
 * Batch mode, for loading many objects at once (`entitled import`). After ent_ctx_batch_begin()
 * the changes made through the context share one store transaction: each is validated exactly
 * as on its own and answers as usual, but is held, not committed, until ent_ctx_batch_commit()
 * commits every held change at once (and drops every cached catalog and snapshot). A change
 * that fails after its writes began rolls the shared transaction back, and with it every change
 * held since the last batch commit: ent_ctx_batch_discarded() counts them, so that the caller
 * can make them again. Changes made in batch mode are not visible to other contexts, nor to
 * other daemons, before the batch commit; an Idempotency-Key cannot be bound in batch mode.
 * Errors: ENT_ECONFLICT (a write or batch is already open), ENT_EINVAL.
 */
ENT_API int ent_ctx_batch_begin(struct ent_ctx *ctx, struct ent_error *err);

/* Commits the changes held since the last batch commit. Errors: ENT_EBUSY, ENT_ESTORE. */
ENT_API int ent_ctx_batch_commit(struct ent_ctx *ctx, struct ent_error *err);

/* Leaves batch mode; changes held and not committed are rolled back. */
ENT_API void ent_ctx_batch_end(struct ent_ctx *ctx);

/* Changes held and not yet committed. */
ENT_API size_t ent_ctx_batch_pending(const struct ent_ctx *ctx);

/* Changes rolled back by failures since ent_ctx_batch_begin(), in all. */
ENT_API size_t ent_ctx_batch_discarded(const struct ent_ctx *ctx);

/*
 * Frees everything allocated in the context (strings and arrays of earlier answers become
 * invalid) and sets its time to now_ms; the store session, principal, encoder and batch stay.
 * For a program that makes many changes through one context. Call between changes.
 */
ENT_API void ent_ctx_reset(struct ent_ctx *ctx, int64_t now_ms);

/* ------------------------------------------------------------------------------------------ */
/* Signed licenses (issue 13): signing keys, the JWK Set, licenses                             */
/* ------------------------------------------------------------------------------------------ */

/*
 * A license is a compact JWS (RFC 7515) signed with Ed25519 (alg EdDSA, RFC 8037) whose claims
 * carry what evaluation answered for the account when it was issued (docs: README "Offline
 * licenses", SECURITY.md). Any JOSE library verifies it with the keys of the JWK Set; so does
 * the small library of include/entitled_license.h, which links none of this one.
 */

#define ENT_LICENSE_TTL_MIN_S 3600 /* a lifetime asked for is at least one hour */

/* A signing key as the API shows it: never its private half, which never leaves the store. */
struct ent_signing_key {
    char id[37];
    char kid[64];           /* the RFC 7638 thumbprint of its public JWK (base64url) */
    const char *public_key; /* base64url of the 32-byte Ed25519 public key (the JWK's "x") */
    int64_t created_ms;
    int64_t retired_ms; /* when a newer key replaced it; ENT_TIME_NONE for the current one */
    bool current;       /* the key that signs new licenses */
    bool published;     /* in the JWK Set: current, or a license it signed is unexpired */
    int64_t published_until_ms; /* retired: the expiry of the last license it signed */
};

enum ent_license_status {
    ENT_LICENSE_ACTIVE = 1,
    ENT_LICENSE_EXPIRED, /* derived: its exp has passed */
    ENT_LICENSE_REVOKED,
};

struct ent_license {
    char id[37];
    const char *serial; /* the JWS's jti: "<prefix>-XXXX-XXXX-XXXX" */
    char account_id[37];
    const char *kid;         /* the key that signed the current token */
    char activation_id[37];  /* the activation (seat) it is bound to, or empty */
    const char *fingerprint; /* the fingerprint it is bound to, or NULL */
    const char *features;    /* feature keys asked for, comma separated; NULL: every granted */
    int64_t ttl_s;           /* the lifetime asked for; renewals use it again */
    const char *token;       /* the compact JWS, as issued (never re-signed on read) */
    int64_t issued_ms;       /* iat (and nbf) of the current token */
    int64_t expires_ms;      /* its exp */
    int64_t revoked_ms;      /* ENT_TIME_NONE while not revoked */
    int64_t renew_count;
    int64_t created_ms;
    int64_t updated_ms;
    enum ent_license_status status; /* derived at the context's time */
};

struct ent_license_input {
    const char *account;         /* id or key; an account key may leave it out (itself) */
    const char *const *features; /* feature keys; NULL: every feature granted now */
    size_t n_features;           /* 1 to ENT_EVALUATE_MAX_FEATURES when features is set */
    const char *fingerprint;     /* node-locked: the machine, holding a seat (see below) */
    const char *feature;         /* with fingerprint: the seat is one of this feature's */
    const char *activation_id;   /* with fingerprint: the seat is one of this entitlement's */
    const char *activation;      /* or: an existing, active activation (its id) */
    int64_t ttl_s;               /* 0: the default lifetime */
    int64_t expires_ms;          /* or an end; ENT_TIME_NONE: from ttl_s */
    const char *serial_number;   /* seed 004: the serial number the license model gives it, 1 to
                                    64 of [A-Za-z0-9_.:-], unique (admin keys only); NULL: one
                                    is drawn, "<prefix>-XXXX-XXXX-XXXX" */
};

/* What ent_licenses_validate() found. */
struct ent_license_check {
    const char *status; /* "valid", "expired", "revoked", "not_yet_valid", "bad_signature",
                           "unknown_key", "fingerprint_mismatch", "malformed" */
    bool valid;
    bool found;                 /* license is set (the token is ours, whatever its state) */
    struct ent_license license; /* the stored record of the token's jti */
    const char *claims;         /* the token's claims (JSON text) when its signature holds */
};

/*
 * Makes a new current signing key; the others are retired (published while a license they
 * signed is unexpired). Admin keys. OUT key. Errors: ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_signing_keys_rotate(struct ent_ctx *ctx, struct ent_signing_key *out,
                                    struct ent_error *err);

/* Lists every signing key, newest first. Admin and read keys. OUT keys (arena), n. */
ENT_API int ent_signing_keys_list(struct ent_ctx *ctx, struct ent_signing_key **keys, size_t *n,
                                  struct ent_error *err);

/*
 * The JWK Set (RFC 7517) of the published keys (OKP, crv Ed25519, RFC 8037), as JSON text in
 * the arena. No principal needed. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_signing_keys_jwks(struct ent_ctx *ctx, const char **json, size_t *len,
                                  struct ent_error *err);

/*
 * Issues a license. Admin keys for any account; a key bound to an account for its own, when a
 * product it holds now has a license model with self_service. Node-locking: with fingerprint
 * and feature (or activation_id) the fingerprint's seat is taken exactly as
 * ent_activations_activate() does (found when it holds one, taken when one is free, else
 * ENT_ESEATS); with activation the license is bound to that activation and its fingerprint.
 * The lifetime is capped by the grants' own end dates and by the configured maximum.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESEATS, ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_licenses_issue(struct ent_ctx *ctx, const struct ent_license_input *in,
                               struct ent_license *out, struct ent_error *err);

/* Reads a license by id or serial; an account key reads its own account's alone. */
ENT_API int ent_licenses_get(struct ent_ctx *ctx, const char *id, struct ent_license *out,
                             struct ent_error *err);

/* Lists licenses (filters: account, status), newest first by default. */
ENT_API int ent_licenses_list(struct ent_ctx *ctx, const struct ent_list_query *q,
                              struct ent_list *list, struct ent_error *err);

/* Revokes a license ("license.revoked"); twice: the same answer. Admin keys, and its account's. */
ENT_API int ent_licenses_revoke(struct ent_ctx *ctx, const char *id, struct ent_license *out,
                                struct ent_error *err);

/*
 * Re-issues a license for the same account, features and binding with fresh claims and a new
 * lifetime ("license.renewed"). A revoked license, or one whose activation was deactivated:
 * ENT_ECONFLICT. Admin keys, and its account's. Errors: as ent_licenses_issue().
 */
ENT_API int ent_licenses_renew(struct ent_ctx *ctx, const char *id, struct ent_license *out,
                               struct ent_error *err);

/*
 * Checks a token as an online product would: its signature against the store's keys, whether
 * it is revoked, its times at the context's time, and when fingerprint is given whether it is
 * bound to it. The license is found by the token's jti, read before the signature is checked;
 * a token that does not parse or names no license the key may see (an account key: its own
 * account's alone) answers ENT_ENOTFOUND. Errors: ENT_EINVAL (no token), ENT_ENOTFOUND,
 * ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_licenses_validate(struct ent_ctx *ctx, const char *token, const char *fingerprint,
                                  struct ent_license_check *out, struct ent_error *err);

ENT_API const char *ent_license_status_name(enum ent_license_status s);
ENT_API enum ent_license_status ent_license_status_parse(const char *s);

/* ------------------------------------------------------------------------------------------ */
/* Utilities the daemon shares with the library                                                */
/* ------------------------------------------------------------------------------------------ */

/* Names of enums as the API spells them, and back. Parsers return 0 when the name is unknown. */
ENT_API const char *ent_feature_type_name(enum ent_feature_type t);
ENT_API enum ent_feature_type ent_feature_type_parse(const char *s);
ENT_API const char *ent_period_name(enum ent_period p);
ENT_API enum ent_period ent_period_parse(const char *s);
ENT_API const char *ent_status_name(enum ent_status s);
ENT_API enum ent_status ent_status_parse(const char *s);
ENT_API const char *ent_category_name(enum ent_category c);
ENT_API enum ent_category ent_category_parse(const char *s);
ENT_API const char *ent_account_type_name(enum ent_account_type t);
ENT_API enum ent_account_type ent_account_type_parse(const char *s);
ENT_API const char *ent_attribute_object_name(enum ent_attribute_object o);
ENT_API enum ent_attribute_object ent_attribute_object_parse(const char *s);
ENT_API const char *ent_attribute_type_name(enum ent_attribute_type t);
ENT_API enum ent_attribute_type ent_attribute_type_parse(const char *s);
ENT_API const char *ent_line_item_kind_name(enum ent_line_item_kind k);
ENT_API enum ent_line_item_kind ent_line_item_kind_parse(const char *s);
ENT_API const char *ent_partner_tier_name(enum ent_partner_tier t);
ENT_API enum ent_partner_tier ent_partner_tier_parse(const char *s);
ENT_API const char *ent_scope_name(enum ent_scope s);
ENT_API enum ent_scope ent_scope_parse(const char *s);
ENT_API const char *ent_order_type_name(enum ent_order_type t);
ENT_API enum ent_order_type ent_order_type_parse(const char *s);
ENT_API const char *ent_order_status_name(enum ent_order_status s);
ENT_API enum ent_order_status ent_order_status_parse(const char *s);
ENT_API const char *ent_source_name(enum ent_source s);
ENT_API enum ent_source ent_source_parse(const char *s);
ENT_API const char *ent_entitlement_status_name(enum ent_entitlement_status s);
ENT_API enum ent_entitlement_status ent_entitlement_status_parse(const char *s);
ENT_API const char *ent_lease_status_name(enum ent_lease_status s);
ENT_API enum ent_lease_status ent_lease_status_parse(const char *s);
ENT_API const char *ent_activation_status_name(enum ent_activation_status s);
ENT_API enum ent_activation_status ent_activation_status_parse(const char *s);

/* ------------------------------------------------------------------------------------------ */
/* Webhooks (issue 15): endpoints, their signing secrets, the outbox and its deliveries         */
/* ------------------------------------------------------------------------------------------ */

#define ENT_WEBHOOK_MAX_EVENTS 32     /* event-type patterns of one endpoint */
#define ENT_WEBHOOK_THRESHOLDS_MAX 10 /* usage thresholds (percentages) of one endpoint */

enum {
    ENT_WEBHOOK_F_URL = 1u << 0,
    ENT_WEBHOOK_F_EVENTS = 1u << 1,
    ENT_WEBHOOK_F_DESCRIPTION = 1u << 2,
    ENT_WEBHOOK_F_ENABLED = 1u << 3,
    ENT_WEBHOOK_F_ACCOUNT = 1u << 4,
    ENT_WEBHOOK_F_THRESHOLDS = 1u << 5,
    ENT_WEBHOOK_F_LEASE_DAYS = 1u << 6,
};

/* An endpoint that receives the messages of the event types it subscribes to. */
struct ent_webhook {
    char id[37];
    const char *url;                            /* http:// or https:// */
    const char *description;                    /* NULL when none */
    const char *events[ENT_WEBHOOK_MAX_EVENTS]; /* patterns: types, "area.*" prefixes, "*" */
    size_t n_events;                            /* 0: every type */
    const char *account; /* input: id or key of the only account whose events it gets; NULL: all */
    char account_id[37]; /* output: that account's id, or empty */
    bool enabled;
    int thresholds[ENT_WEBHOOK_THRESHOLDS_MAX]; /* usage.threshold_crossed, % of the limit */
    size_t n_thresholds;                        /* input 0: 80 and 100 */
    int64_t lease_expiring_days;                /* lease.expiring: days before the end (1..365) */
    const char *secret;          /* "whsec_…": only in the answers of create and rotate */
    const char *disabled_reason; /* why the service disabled it; NULL */
    int64_t created_ms;
    int64_t updated_ms;
    unsigned set; /* input only: ENT_WEBHOOK_F_* bits given by a PATCH */
};

/*
 * Creates an endpoint with a new signing secret ("whsec_" and the base64 of 32 random bytes),
 * stored encrypted with the key file's secret and shown in this answer alone. A URL whose host
 * resolves to a loopback, link-local or private address is refused unless the application
 * allows private addresses (struct ent_webhook_config). Admin keys only.
 * Errors: ENT_EINVAL, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
ENT_API int ent_webhooks_create(struct ent_ctx *ctx, const struct ent_webhook *in,
                                struct ent_webhook *out, struct ent_error *err);
ENT_API int ent_webhooks_get(struct ent_ctx *ctx, const char *id, struct ent_webhook *out,
                             struct ent_error *err);
/* Changes the fields of patch->set. Enabling clears disabled_reason. */
ENT_API int ent_webhooks_update(struct ent_ctx *ctx, const char *id,
                                const struct ent_webhook *patch, struct ent_webhook *out,
                                struct ent_error *err);
/* Deletes an endpoint and its messages. */
ENT_API int ent_webhooks_delete(struct ent_ctx *ctx, const char *id, struct ent_error *err);
ENT_API int ent_webhooks_list(struct ent_ctx *ctx, const struct ent_list_query *q,
                              struct ent_list *list, struct ent_error *err);
/*
 * Gives the endpoint a new secret (in out->secret, shown once); the old one stays valid for 24 h,
 * and meanwhile every message carries a signature by each.
 */
ENT_API int ent_webhooks_rotate_secret(struct ent_ctx *ctx, const char *id, struct ent_webhook *out,
                                       struct ent_error *err);

enum ent_delivery_status {
    ENT_DELIVERY_PENDING = 1, /* waiting for its next attempt */
    ENT_DELIVERY_DELIVERED,   /* the endpoint answered 2xx */
    ENT_DELIVERY_FAILED,      /* a 4xx other than 429, or every attempt failed */
};

/* One message to one endpoint, and how its delivery goes. */
struct ent_webhook_message {
    char id[37]; /* the webhook-id header: the same at every attempt */
    char webhook_id[37];
    const char *type;    /* "entitlement.created", "usage.threshold_crossed", … */
    char event_id[37];   /* the audit event it carries, or empty */
    char account_id[37]; /* the account it concerns, or empty */
    const char *body;    /* the JSON body sent */
    enum ent_delivery_status status;
    int64_t attempts;
    int last_response_code;  /* 0: none yet, or no answer (last_error says why) */
    const char *last_error;  /* NULL when none */
    int64_t last_attempt_ms; /* ENT_TIME_NONE: none yet */
    int64_t next_attempt_ms; /* pending: when; else ENT_TIME_NONE */
    int64_t created_ms;
    int64_t delivered_ms; /* ENT_TIME_NONE until delivered */
    int64_t seq;          /* private: its place in the outbox */
};

/* Lists the messages of an endpoint, oldest first (filters: status, type). */
ENT_API int ent_webhooks_deliveries(struct ent_ctx *ctx, const char *webhook_id,
                                    const struct ent_list_query *q, struct ent_list *list,
                                    struct ent_error *err);
/* Sends a message again now (whatever its status), keeping its id. */
ENT_API int ent_webhooks_retry(struct ent_ctx *ctx, const char *webhook_id, const char *message_id,
                               struct ent_webhook_message *out, struct ent_error *err);
/*
 * Sends again every message of the endpoint created at or after since_ms, or after the message
 * or audit event after_id (either ENT_TIME_NONE / NULL), in their order. OUT n: how many.
 */
ENT_API int ent_webhooks_replay(struct ent_ctx *ctx, const char *webhook_id, int64_t since_ms,
                                const char *after_id, int64_t *n, struct ent_error *err);

/* How the delivery workers run (ent_webhooks_start). Zeroed fields take their defaults. */
struct ent_webhook_config {
    unsigned workers;      /* delivery threads (default 2) */
    int64_t retry_unit_ms; /* one second of the retry schedule (default 1000; less for tests) */
    int max_attempts;      /* attempts before a message fails (default 13: over three days) */
    int64_t timeout_ms;    /* of one attempt, connecting included (default 10000) */
    bool allow_private;    /* deliver to loopback, link-local and private addresses */
    int64_t tick_ms;       /* how often timed events are looked for (default 250) */
    ent_encode_fn encode;  /* the encoder of the objects of timed audit events */
};

/*
 * Starts the delivery workers and the scheduler of timed events (threshold resets, entitlements
 * starting and expiring, leases expiring and expired, floating activations expired). Stopped by
 * ent_webhooks_stop() or ent_app_close(). Errors: ENT_ENOMEM, ENT_EINTERNAL.
 */
ENT_API int ent_webhooks_start(struct ent_app *app, const struct ent_webhook_config *cfg);

/* Stops the workers (an attempt in flight is cut short and made again later); safe twice. */
ENT_API void ent_webhooks_stop(struct ent_app *app);

/* Counters of deliveries, for /metrics. */
struct ent_webhook_stats {
    uint64_t delivered;        /* attempts answered 2xx, by this daemon */
    uint64_t failed_attempts;  /* attempts that failed, by this daemon */
    uint64_t failed;           /* messages that failed for good, by this daemon */
    int64_t pending;           /* messages waiting (all daemons), as last counted */
    int64_t oldest_pending_ms; /* age of the oldest waiting message; 0 when none */
};
ENT_API void ent_webhooks_stats(struct ent_app *app, struct ent_webhook_stats *out);

ENT_API const char *ent_delivery_status_name(enum ent_delivery_status s);
ENT_API enum ent_delivery_status ent_delivery_status_parse(const char *s);

/* ---- end of webhooks (issue 15) ---- */

#ifdef __cplusplus
}
#endif

#endif /* ENTITLED_H */
