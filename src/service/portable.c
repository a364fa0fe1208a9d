/* SPDX-License-Identifier: MIT */
/*
 * portable.c: the store in its portable form (entitled.h): dump (export), load (import) and copy
 * between stores of either backend, checked by a count and a SHA-256 checksum per table.
 */
#include "store/portable.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "service/cache.h"
#include "service/ctx.h"
#include "service/keyfile.h"

size_t
ent_portable_count(void)
{
    return ent_portable_tables_count;
}

const char *
ent_portable_name(size_t table)
{
    return table < ent_portable_tables_count ? ent_portable_tables[table].name : NULL;
}

size_t
ent_portable_columns(size_t table, const char *const **names)
{
    if (table >= ent_portable_tables_count)
        return 0;
    *names = ent_portable_tables[table].columns;
    return ent_portable_width(&ent_portable_tables[table]);
}

int
ent_portable_find(const char *name)
{
    const struct ent_portable_table *t = ent_portable_named(name);
    return t ? (int)(t - ent_portable_tables) : -1;
}

/* A read transaction on app's store that sees one moment. */
static int
begin_snapshot(struct ent_app *app, struct ent_store_session **out, struct ent_error *err)
{
    int rc = app->store->ops->acquire(app->store, out);
    if (rc < 0)
        return ent_error_set(err, rc, "the store is unavailable");
    struct ent_store_session *sess = *out;
    rc = sess->ops->begin(sess, false);
    if (rc == ENT_OK)
        rc = sess->ops->snapshot(sess);
    if (rc < 0) {
        sess->ops->rollback(sess);
        sess->ops->release(sess);
        return ent_error_set(err, rc, "cannot read the store");
    }
    return ENT_OK;
}

static void
end_snapshot(struct ent_store_session *sess)
{
    sess->ops->rollback(sess);
    sess->ops->release(sess);
}

struct dump_call {
    int (*fn)(void *arg, size_t table, const struct ent_value *values);
    void *arg;
};

static int
dump_row(void *arg, const struct ent_portable_table *t, const struct ent_value *values)
{
    struct dump_call *call = arg;
    return call->fn(call->arg, (size_t)(t - ent_portable_tables), values);
}

int
ent_app_dump(struct ent_app *app, int64_t since_ms,
             int (*fn)(void *arg, size_t table, const struct ent_value *values), void *arg,
             struct ent_error *err)
{
    struct ent_store_session *sess;
    int rc = begin_snapshot(app, &sess, err);
    if (rc < 0)
        return rc;
    struct dump_call call = {fn, arg};
    for (size_t i = 0; i < ent_portable_tables_count && rc == ENT_OK; i++)
        rc = sess->ops->dump(sess, &ent_portable_tables[i], since_ms, dump_row, &call);
    end_snapshot(sess);
    if (rc < 0)
        return ent_error_set(err, rc, "the store could not be read whole");
    return rc;
}

struct ent_load {
    struct ent_app *app;
    struct ent_store_session *sess;
};

int
ent_app_load_begin(struct ent_app *app, struct ent_load **out, struct ent_error *err)
{
    struct ent_load *l = ent_calloc(1, sizeof(*l));
    if (!l)
        return ent_error_set(err, ENT_ENOMEM, "out of memory");
    l->app = app;
    int rc = app->store->ops->acquire(app->store, &l->sess);
    if (rc < 0) {
        ent_free(l);
        return ent_error_set(err, rc, "the store is unavailable");
    }
    rc = l->sess->ops->begin(l->sess, true);
    if (rc == ENT_OK)
        rc = l->sess->ops->load_begin(l->sess);
    if (rc < 0) {
        ent_load_abort(l);
        return ent_error_set(err, rc, "cannot start writing to the store");
    }
    *out = l;
    return ENT_OK;
}

int
ent_load_row(struct ent_load *l, size_t table, const struct ent_value *values,
             struct ent_error *err)
{
    if (table >= ent_portable_tables_count)
        return ent_error_set(err, ENT_EINVAL, "no table %zu", table);
    int rc = l->sess->ops->load(l->sess, &ent_portable_tables[table], values);
    if (rc < 0)
        return ent_error_set(err, rc, "the store refused a row of %s",
                             ent_portable_tables[table].name);
    return ENT_OK;
}

int
ent_load_commit(struct ent_load *l, struct ent_error *err)
{
    struct ent_store_session *sess = l->sess;
    int rc = sess->ops->load_finish(sess);
    /* Whatever the rows were, every process serving the store drops what it caches. */
    if (rc == ENT_OK)
        rc = sess->ops->announce(sess, ENT_STORE_CHANGE_CATALOG, NULL);
    if (rc == ENT_OK)
        rc = sess->ops->commit(sess);
    if (rc < 0) {
        ent_load_abort(l);
        return ent_error_set(err, rc, "the store refused the rows (none were kept)");
    }
    ent_cache_catalog_changed(l->app);
    sess->ops->release(sess);
    ent_free(l);
    return ENT_OK;
}

void
ent_load_abort(struct ent_load *l)
{
    if (!l)
        return;
    if (l->sess) {
        l->sess->ops->rollback(l->sess);
        l->sess->ops->release(l->sess);
    }
    ent_free(l);
}

/* ------------------------------------------------------------------------------------------ */
/* Copy                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Adds a row to a table's checksum: each value as n; i<decimal>; or t<length>:<bytes>. */
static void
hash_row(crypto_hash_sha256_state *h, size_t width, const struct ent_value *values)
{
    for (size_t c = 0; c < width; c++) {
        char head[48];
        int n;
        if (values[c].type == ENT_VALUE_NULL)
            n = snprintf(head, sizeof(head), "n;");
        else if (values[c].type == ENT_VALUE_INT)
            n = snprintf(head, sizeof(head), "i%lld;", (long long)values[c].i);
        else
            n = snprintf(head, sizeof(head), "t%zu:", strlen(values[c].text));
        crypto_hash_sha256_update(h, (const unsigned char *)head, (unsigned long long)n);
        if (values[c].type == ENT_VALUE_TEXT)
            crypto_hash_sha256_update(h, (const unsigned char *)values[c].text,
                                      strlen(values[c].text));
    }
    crypto_hash_sha256_update(h, (const unsigned char *)"\n", 1);
}

struct copy_state {
    struct ent_store_session *to; /* NULL: only count and hash (the check) */
    crypto_hash_sha256_state hash;
    uint64_t rows, total;
    void (*progress)(void *arg, uint64_t rows);
    void *progress_arg;
};

static int
copy_row(void *arg, const struct ent_portable_table *t, const struct ent_value *values)
{
    struct copy_state *c = arg;
    hash_row(&c->hash, ent_portable_width(t), values);
    c->rows++;
    c->total++;
    if (c->progress && c->total % 1000 == 0)
        c->progress(c->progress_arg, c->total);
    return c->to ? c->to->ops->load(c->to, t, values) : ENT_OK;
}

static int
any_row(void *arg, const struct ent_portable_table *t, const struct ent_value *values)
{
    (void)t;
    (void)values;
    *(bool *)arg = true;
    return 1; /* one is enough */
}

/* Counts and hashes every table of sess (in a snapshot); into rows and checksums. */
static int
check_tables(struct ent_store_session *sess, uint64_t *rows, char (*checksums)[65])
{
    for (size_t i = 0; i < ent_portable_tables_count; i++) {
        struct copy_state c = {0};
        crypto_hash_sha256_init(&c.hash);
        int rc = sess->ops->dump(sess, &ent_portable_tables[i], ENT_TIME_NONE, copy_row, &c);
        if (rc < 0)
            return rc;
        unsigned char digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_final(&c.hash, digest);
        sodium_bin2hex(checksums[i], 65, digest, sizeof(digest));
        rows[i] = c.rows;
    }
    return ENT_OK;
}

/* ENT_OK when to holds no data (its settings aside) and the same key file fingerprint. */
static int
check_target(struct ent_store_session *from, struct ent_store_session *to, struct ent_error *err)
{
    for (size_t i = 0; i < ent_portable_tables_count; i++) {
        const struct ent_portable_table *t = &ent_portable_tables[i];
        if (strcmp(t->name, "settings") == 0)
            continue;
        bool found = false;
        int rc = to->ops->dump(to, t, ENT_TIME_NONE, any_row, &found);
        if (rc < 0 && !found)
            return ent_error_set(err, rc, "cannot read the target store");
        if (found)
            return ent_error_set(err, ENT_ECONFLICT,
                                 "the target store holds data already (%s): copy into an empty "
                                 "store",
                                 t->name);
    }
    char mine[65], theirs[65];
    int rc = ent_keyfile_stored_fingerprint(from, mine, sizeof(mine));
    if (rc == ENT_OK)
        rc = ent_keyfile_stored_fingerprint(to, theirs, sizeof(theirs));
    if (rc < 0)
        return ent_error_set(err, rc, "cannot read the key file fingerprints");
    if (mine[0] && theirs[0] && strcmp(mine, theirs) != 0)
        return ent_error_set(err, ENT_ECONFLICT,
                             "the target store was opened with another key file than the "
                             "source's: open it with the source's (--key-file)");
    return ENT_OK;
}

int
ent_app_copy(struct ent_app *from, struct ent_app *to, void (*progress)(void *arg, uint64_t rows),
             void *arg, struct ent_copy_report *out, struct ent_error *err)
{
    memset(out, 0, sizeof(*out));
    if (ent_portable_tables_count > sizeof(out->tables) / sizeof(out->tables[0]))
        return ent_error_set(err, ENT_EINVAL, "too many tables");
    struct ent_store_session *src;
    int rc = begin_snapshot(from, &src, err);
    if (rc < 0)
        return rc;
    struct ent_load *load = NULL;
    rc = ent_app_load_begin(to, &load, err);
    if (rc < 0) {
        end_snapshot(src);
        return rc;
    }
    rc = check_target(src, load->sess, err);
    struct copy_state c = {.to = load->sess, .progress = progress, .progress_arg = arg};
    for (size_t i = 0; i < ent_portable_tables_count && rc == ENT_OK; i++) {
        const struct ent_portable_table *t = &ent_portable_tables[i];
        crypto_hash_sha256_init(&c.hash);
        c.rows = 0;
        rc = src->ops->dump(src, t, ENT_TIME_NONE, copy_row, &c);
        if (rc < 0) {
            ent_error_set(err, rc, "the copy of %s failed; the target is left as it was", t->name);
            break;
        }
        unsigned char digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_final(&c.hash, digest);
        out->tables[i].name = t->name;
        out->tables[i].rows = c.rows;
        sodium_bin2hex(out->tables[i].checksum, sizeof(out->tables[i].checksum), digest,
                       sizeof(digest));
    }
    end_snapshot(src);
    if (rc < 0) {
        ent_load_abort(load);
        return rc;
    }
    out->n_tables = ent_portable_tables_count;
    out->rows = c.total;
    rc = ent_load_commit(load, err);
    if (rc < 0)
        return rc;
    /* The check: the target read back, table by table, against what was read from the source. */
    struct ent_store_session *check;
    rc = begin_snapshot(to, &check, err);
    if (rc < 0)
        return rc;
    uint64_t rows[32];
    char checksums[32][65];
    rc = check_tables(check, rows, checksums);
    end_snapshot(check);
    if (rc < 0)
        return ent_error_set(err, rc, "the copy was made but could not be read back");
    for (size_t i = 0; i < out->n_tables; i++) {
        if (rows[i] != out->tables[i].rows || strcmp(checksums[i], out->tables[i].checksum) != 0)
            return ent_error_set(err, ENT_ESTORE,
                                 "the copy of %s differs from the source: %llu rows read back "
                                 "for %llu copied",
                                 out->tables[i].name, (unsigned long long)rows[i],
                                 (unsigned long long)out->tables[i].rows);
    }
    return ENT_OK;
}
