/* SPDX-License-Identifier: MIT */
/*
 * test_store.c: the store interface against a real backend: "sqlite" (a file in a temporary
 * directory) or "pg" (a fresh database on the server of ENTITLED_TEST_PG_URL, a postgresql://
 * URL of a user that may create databases; without it the suite is skipped, exit 77).
 *
 * What every backend must answer alike: migrations, ENT_ECONFLICT on unique keys, feature keys
 * and names in any case, the conditional usage_add exact under concurrent writers, and the
 * conditional consumption_add. What PostgreSQL adds: daemons opening
 * one database at once, the append-only audit log, lock timeouts as ENT_EBUSY, the database
 * clock, and announcements delivered to listeners at commit and only then.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "core/arena.h"
#include "store/migrations.h"
#include "store/store.h"

#define WRITERS 8
#define ADDS_PER_WRITER 100
#define CAP 500

static bool on_pg;
static char url[4096];        /* the store of this run */
static char server_url[4096]; /* PostgreSQL: the server's maintenance database */
static char db_name[64];
static const char *const account_id = "00000000-0000-7000-8000-000000000001";
static const char *const feature_id = "00000000-0000-7000-8000-000000000002";

/* Runs sql on the PostgreSQL database at u; returns whether it succeeded. */
static bool
pg_run(const char *u, const char *sql)
{
    PGconn *c = PQconnectdb(u);
    bool ok = PQstatus(c) == CONNECTION_OK;
    if (ok) {
        PGresult *r = PQexec(c, sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
    }
    PQfinish(c);
    return ok;
}

/* Writes into out the URL u with its database replaced by name. */
static void
url_with_database(const char *u, const char *name, char *out, size_t cap)
{
    const char *hosts = strstr(u, "://");
    const char *slash = strchr(hosts ? hosts + 3 : u, '/');
    const char *query = strchr(u, '?');
    size_t head = slash ? (size_t)(slash - u) : (query ? (size_t)(query - u) : strlen(u));
    snprintf(out, cap, "%.*s/%s%s", (int)head, u, name, query ? query : "");
}

static struct ent_store *
open_store(void)
{
    struct ent_store *s = NULL;
    struct ent_error err = {0};
    assert_int_equal(ent_store_open(url, WRITERS + 2, &s, &err), ENT_OK);
    return s;
}

/* Inserts the account and the metered feature the usage rows refer to. */
static void
seed(struct ent_store *s)
{
    struct ent_store_session *sess;
    assert_int_equal(s->ops->acquire(s, &sess), ENT_OK);
    struct ent_account acc = {.key = "acme",
                              .name = "Acme",
                              .type = ENT_ACCOUNT_CUSTOMER,
                              .attributes = "{}",
                              .created_ms = 1,
                              .updated_ms = 1};
    snprintf(acc.id, sizeof(acc.id), "%s", account_id);
    struct ent_feature f = {.key = "calls",
                            .name = "Calls",
                            .type = ENT_FEATURE_METERED,
                            .reset_period = ENT_PERIOD_DAY,
                            .status = ENT_STATUS_ACTIVE,
                            .attributes = "{}",
                            .created_ms = 1,
                            .updated_ms = 1};
    snprintf(f.id, sizeof(f.id), "%s", feature_id);
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->account_insert(sess, &acc), ENT_OK);
    assert_int_equal(sess->ops->feature_insert(sess, &f), ENT_OK);
    assert_int_equal(sess->ops->commit(sess), ENT_OK);
    sess->ops->release(sess);
}

static int
setup(void **state)
{
    struct ent_store *s = open_store();
    seed(s);
    *state = s;
    return 0;
}

static int
setup_open(void **state)
{
    *state = open_store();
    return 0;
}

static int
teardown(void **state)
{
    ent_store_close(*state);
    return 0;
}

/* An event of amount 1 with a fresh id (n) and an optional idempotency key. */
static void
make_event(struct ent_store_usage *ev, int n, const char *idem)
{
    memset(ev, 0, sizeof(*ev));
    snprintf(ev->id, sizeof(ev->id), "00000000-0000-7000-9000-%012d", n);
    snprintf(ev->account_id, sizeof(ev->account_id), "%s", account_id);
    snprintf(ev->feature_id, sizeof(ev->feature_id), "%s", feature_id);
    ev->amount = 1;
    ev->ts_ms = 86400000;
    ev->idempotency_key = idem;
    ev->window_start_ms = 86400000;
    ev->window_end_ms = 2 * 86400000;
    ev->limit = CAP;
    ev->created_ms = 1;
}

static void
test_migrated(void **state)
{
    struct ent_store *s = *state;
    struct ent_store_session *sess;
    assert_int_equal(s->ops->acquire(s, &sess), ENT_OK);
    int version = 0;
    assert_int_equal(sess->ops->schema_version(sess, &version), ENT_OK);
    const struct ent_migration *m = on_pg ? ent_pg_migrations : ent_sqlite_migrations;
    int last = 0;
    for (; m->version; m++)
        last = m->version;
    assert_int_equal(version, last); /* every migration applied */
    assert_true(last >= 4);
    sess->ops->release(sess);
    /* Opening again applies nothing and keeps the data. */
    struct ent_store *again = open_store();
    assert_int_equal(again->ops->acquire(again, &sess), ENT_OK);
    struct ent_arena a;
    ent_arena_init(&a, 0);
    struct ent_account acc;
    assert_int_equal(sess->ops->account_get(sess, &a, "acme", &acc), ENT_OK);
    assert_string_equal(acc.id, account_id);
    ent_arena_cleanup(&a);
    sess->ops->release(sess);
    ent_store_close(again);
}

static void
test_unique_is_conflict(void **state)
{
    struct ent_store *s = *state;
    struct ent_store_session *sess;
    assert_int_equal(s->ops->acquire(s, &sess), ENT_OK);
    struct ent_account acc = {.id = "00000000-0000-7000-8000-0000000000ff",
                              .key = "acme",
                              .name = "Again",
                              .type = ENT_ACCOUNT_CUSTOMER,
                              .attributes = "{}"};
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->account_insert(sess, &acc), ENT_ECONFLICT);
    sess->ops->rollback(sess);
    struct ent_arena a;
    ent_arena_init(&a, 0);
    struct ent_account got;
    assert_int_equal(sess->ops->account_get(sess, &a, acc.id, &got), ENT_ENOTFOUND);
    ent_arena_cleanup(&a);
    sess->ops->release(sess);
}

/*
 * Seed 004 (issue 17): an entitlement's owners (earlier ones in order, then its account as the
 * current one; copied to another), an order read by its external id and a taken one a conflict,
 * a line item changed and a deployed maintenance line item found by what it maintains, and
 * attribute definitions unique per object whatever their case.
 */
static void
test_seed_004(void **state)
{
    struct ent_store *s = *state;
    struct ent_store_session *sess;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    assert_int_equal(s->ops->acquire(s, &sess), ENT_OK);
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    struct ent_account other = {.id = "00000000-0000-7000-8000-0000000000a1",
                                .key = "other",
                                .name = "Other",
                                .type = ENT_ACCOUNT_CHANNEL_PARTNER,
                                .partner_tier = ENT_PARTNER_TIER_ONE,
                                .attributes = "{}"};
    assert_int_equal(sess->ops->account_insert(sess, &other), ENT_OK);
    struct ent_product p = {.id = "00000000-0000-7000-8000-0000000000a2",
                            .key = "support",
                            .name = "Support",
                            .category = ENT_CATEGORY_CUSTOMER_SUPPORT,
                            .status = ENT_STATUS_ACTIVE,
                            .attributes = "{}",
                            .max_leases = -1,
                            .max_lease_days = -1,
                            .part_number = "PN-1",
                            .version = "1.0"};
    assert_int_equal(sess->ops->product_insert(sess, &p), ENT_OK);
    struct ent_line_item items[2] = {{.id = "00000000-0000-7000-8000-0000000000b1",
                                      .quantity = 1,
                                      .quantity_per_copy = 1,
                                      .start_ms = 100,
                                      .end_ms = ENT_TIME_NONE,
                                      .permanent = true,
                                      .order_type = ENT_ORDER_TYPE_NEW,
                                      .activation_id = "ACT-BASE",
                                      .attributes = "{}",
                                      .kind = ENT_LINE_ITEM_PRODUCT,
                                      .activatable = true,
                                      .auto_deploy = true},
                                     {.id = "00000000-0000-7000-8000-0000000000b2",
                                      .quantity = 1,
                                      .quantity_per_copy = 1,
                                      .start_ms = 100,
                                      .end_ms = 200,
                                      .order_type = ENT_ORDER_TYPE_NEW,
                                      .activation_id = "ACT-MNT",
                                      .parent_activation_id = "ACT-BASE",
                                      .attributes = "{}",
                                      .kind = ENT_LINE_ITEM_MAINTENANCE,
                                      .activatable = true,
                                      .auto_deploy = true}};
    for (size_t i = 0; i < 2; i++)
        memcpy(items[i].product_id, p.id, sizeof(p.id));
    struct ent_order o = {.id = "00000000-0000-7000-8000-0000000000c1",
                          .status = ENT_ORDER_DRAFT,
                          .attributes = "{}",
                          .items = items,
                          .n_items = 2,
                          .activated_ms = ENT_TIME_NONE,
                          .external_id = "ENT-1"};
    snprintf(o.account_id, sizeof(o.account_id), "%s", account_id);
    assert_int_equal(sess->ops->order_insert(sess, &o), ENT_OK);
    struct ent_order got, twin = o;
    assert_int_equal(sess->ops->order_get(sess, &a, "ENT-1", &got), ENT_OK);
    assert_string_equal(got.id, o.id);
    assert_int_equal(got.n_items, 2);
    assert_int_equal(got.items[1].kind, ENT_LINE_ITEM_MAINTENANCE);
    assert_string_equal(got.items[0].part_number ? got.items[0].part_number : "", "");
    bool maint = false;
    assert_int_equal(sess->ops->line_item_is_maintenance(sess, "ACT-MNT", &maint), ENT_OK);
    assert_true(maint);
    struct ent_store_maintenance *m = NULL;
    size_t n = 9;
    assert_int_equal(sess->ops->maintenance_of(sess, &a, "ACT-BASE", &m, &n), ENT_OK);
    assert_int_equal(n, 0); /* not deployed yet */
    items[1].deployed = true;
    items[1].part_number = "MNT-9";
    assert_int_equal(sess->ops->line_item_update(sess, o.id, &items[1]), ENT_OK);
    assert_int_equal(sess->ops->maintenance_of(sess, &a, "ACT-BASE", &m, &n), ENT_OK);
    assert_int_equal(n, 1);
    assert_string_equal(m[0].activation_id, "ACT-MNT");
    assert_string_equal(m[0].part_number, "MNT-9");
    assert_int_equal(m[0].end_ms, 200);
    memcpy(twin.id, "00000000-0000-7000-8000-0000000000c2", 37);
    twin.n_items = 0;
    assert_int_equal(sess->ops->order_insert(sess, &twin), ENT_ECONFLICT); /* ENT-1 again */
    sess->ops->rollback(sess);

    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->account_insert(sess, &other), ENT_OK);
    struct ent_entitlement_owner first = {.since_ms = 10, .until_ms = 20};
    snprintf(first.account_id, sizeof(first.account_id), "%s", account_id);
    const char *ent = "00000000-0000-7000-8000-0000000000d1";
    const char *part = "00000000-0000-7000-8000-0000000000d2";
    assert_int_equal(sess->ops->entitlement_owner_add(sess, ent, 0, &first), ENT_OK);
    assert_int_equal(sess->ops->entitlement_owner_add(sess, ent, 0, &first), ENT_ECONFLICT);
    sess->ops->rollback(sess);
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->account_insert(sess, &other), ENT_OK);
    assert_int_equal(sess->ops->entitlement_owner_add(sess, ent, 0, &first), ENT_OK);
    assert_int_equal(sess->ops->entitlement_owners_copy(sess, ent, part), ENT_OK);
    struct ent_entitlement_owner *owners = NULL;
    assert_int_equal(sess->ops->entitlement_owners(sess, &a, part, other.id, &owners, &n), ENT_OK);
    assert_int_equal(n, 2);
    assert_string_equal(owners[0].account_id, account_id);
    assert_int_equal(owners[0].until_ms, 20);
    assert_false(owners[0].current);
    assert_string_equal(owners[1].account_id, other.id);
    assert_true(owners[1].current);
    assert_int_equal(owners[1].partner_tier, ENT_PARTNER_TIER_ONE);

    struct ent_attribute_definition d = {.id = "00000000-0000-7000-8000-0000000000e1",
                                         .object = ENT_ATTRIBUTE_OBJECT_ORDER,
                                         .name = "PoDate",
                                         .type = ENT_ATTRIBUTE_DATE,
                                         .required = true};
    assert_int_equal(sess->ops->attribute_definition_insert(sess, &d), ENT_OK);
    struct ent_attribute_definition *defs = NULL;
    assert_int_equal(
        sess->ops->attribute_definitions_of(sess, &a, ENT_ATTRIBUTE_OBJECT_ORDER, &defs, &n),
        ENT_OK);
    assert_int_equal(n, 1);
    assert_string_equal(defs[0].name, "PoDate");
    assert_true(defs[0].required);
    assert_int_equal(
        sess->ops->attribute_definitions_of(sess, &a, ENT_ATTRIBUTE_OBJECT_ACCOUNT, &defs, &n),
        ENT_OK);
    assert_int_equal(n, 0);
    assert_int_equal(sess->ops->attribute_definition_delete(sess, d.id), ENT_OK);
    assert_int_equal(sess->ops->attribute_definition_delete(sess, d.id), ENT_ENOTFOUND);
    assert_int_equal(sess->ops->attribute_definition_insert(sess, &d), ENT_OK);
    memcpy(d.id, "00000000-0000-7000-8000-0000000000e2", 37);
    d.name = "PODATE";
    assert_int_equal(sess->ops->attribute_definition_insert(sess, &d), ENT_ECONFLICT);
    sess->ops->rollback(sess);
    sess->ops->release(sess);
    ent_arena_cleanup(&a);
}

/* usage_add refuses past the cap, reports the counter, and a taken idempotency key is a
 * conflict that leaves the counter and the transaction as they were. */
static void
test_usage_add_cap_and_key(void **state)
{
    struct ent_store *s = *state;
    struct ent_store_session *sess;
    assert_int_equal(s->ops->acquire(s, &sess), ENT_OK);
    struct ent_store_usage ev;
    int64_t used = -1;
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    make_event(&ev, 1, "k1");
    ev.amount = 3;
    assert_int_equal(sess->ops->usage_add(sess, &ev, 4, &used), ENT_OK);
    assert_int_equal(used, 3);
    make_event(&ev, 2, NULL);
    ev.amount = 2;
    assert_int_equal(sess->ops->usage_add(sess, &ev, 4, &used), ENT_ELIMIT);
    assert_int_equal(used, 3);
    make_event(&ev, 3, "k1");
    assert_int_equal(sess->ops->usage_add(sess, &ev, 4, &used), ENT_ECONFLICT);
    make_event(&ev, 4, NULL);
    assert_int_equal(sess->ops->usage_add(sess, &ev, INT64_MAX, &used), ENT_OK);
    assert_int_equal(used, 4);
    /* An account or feature that is not there: nothing written, the transaction usable. */
    make_event(&ev, 5, NULL);
    ev.account_id[0] = 'f';
    assert_int_equal(sess->ops->usage_add(sess, &ev, INT64_MAX, &used), ENT_ENOTFOUND);
    make_event(&ev, 6, NULL);
    ev.feature_id[0] = 'f';
    assert_int_equal(sess->ops->usage_add(sess, &ev, INT64_MAX, &used), ENT_ENOTFOUND);
    assert_int_equal(sess->ops->commit(sess), ENT_OK);
    assert_int_equal(sess->ops->usage_counter(sess, account_id, feature_id, 86400000, &used),
                     ENT_OK);
    assert_int_equal(used, 4);
    struct ent_arena a;
    ent_arena_init(&a, 0);
    struct ent_store_usage found;
    assert_int_equal(sess->ops->usage_find(sess, &a, account_id, "k1", &found), ENT_OK);
    assert_int_equal(found.usage_after, 3);
    ent_arena_cleanup(&a);
    sess->ops->release(sess);
}

/*
 * Feature keys match in any case and feature names are unique in any case (issue 17): a key or
 * a name another feature has, in another case, is ENT_ECONFLICT; feature_name_taken says so
 * beforehand, not counting the feature itself.
 */
static void
test_feature_keys_and_names_in_any_case(void **state)
{
    struct ent_store *s = *state;
    struct ent_store_session *sess;
    assert_int_equal(s->ops->acquire(s, &sess), ENT_OK);
    struct ent_arena a;
    ent_arena_init(&a, 0);
    struct ent_feature got;
    assert_int_equal(sess->ops->feature_get(sess, &a, "CALLS", &got), ENT_OK);
    assert_string_equal(got.id, feature_id);
    assert_int_equal(sess->ops->feature_get(sess, &a, "cAlLs", &got), ENT_OK);
    bool taken = false;
    assert_int_equal(sess->ops->feature_name_taken(sess, "CALLS", NULL, &taken), ENT_OK);
    assert_true(taken);
    assert_int_equal(sess->ops->feature_name_taken(sess, "calls", feature_id, &taken), ENT_OK);
    assert_false(taken);
    assert_int_equal(sess->ops->feature_name_taken(sess, "Calls 2", NULL, &taken), ENT_OK);
    assert_false(taken);
    struct ent_feature f = {.id = "00000000-0000-7000-8000-0000000000f1",
                            .key = "ENABLE_X",
                            .name = "cALLS",
                            .type = ENT_FEATURE_SWITCH,
                            .status = ENT_STATUS_ACTIVE,
                            .attributes = "{}",
                            .created_ms = 2,
                            .updated_ms = 2};
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->feature_insert(sess, &f), ENT_ECONFLICT); /* the name */
    sess->ops->rollback(sess);
    f.name = "Enable X";
    f.key = "Calls";
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->feature_insert(sess, &f), ENT_ECONFLICT); /* the key */
    sess->ops->rollback(sess);
    f.key = "ENABLE_X";
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->feature_insert(sess, &f), ENT_OK);
    f.name = "ENABLE X"; /* its own name in another case: its own */
    assert_int_equal(sess->ops->feature_update(sess, &f), ENT_OK);
    assert_int_equal(sess->ops->commit(sess), ENT_OK);
    assert_int_equal(sess->ops->feature_get(sess, &a, "enable_x", &got), ENT_OK);
    assert_string_equal(got.key, "ENABLE_X");
    assert_string_equal(got.name, "ENABLE X");
    ent_arena_cleanup(&a);
    sess->ops->release(sess);
}

/*
 * consumption_add (issue 17) refuses past the cap, reports consumed, and a taken idempotency key
 * is a conflict that leaves consumed and the transaction as they were; consumption_find and
 * consumption_series read what was recorded.
 */
static void
test_consumption_add_cap_and_key(void **state)
{
    struct ent_store *s = *state;
    struct ent_store_session *sess;
    assert_int_equal(s->ops->acquire(s, &sess), ENT_OK);
    struct ent_entitlement e = {.id = "00000000-0000-7000-8000-0000000000e1",
                                .value = "10",
                                .source = ENT_SOURCE_MANUAL,
                                .activation_id = "SVC-1",
                                .quantity = 4,
                                .quantity_per_copy = 1,
                                .order_type = ENT_ORDER_TYPE_NEW,
                                .start_ms = 1,
                                .end_ms = ENT_TIME_NONE,
                                .permanent = true,
                                .status = ENT_ENTITLEMENT_ACTIVE,
                                .attributes = "{}",
                                .name = "10 calls",
                                .product_category = ENT_CATEGORY_CUSTOMER_SUPPORT,
                                .created_ms = 1,
                                .updated_ms = 1};
    snprintf(e.account_id, sizeof(e.account_id), "%s", account_id);
    snprintf(e.feature_id, sizeof(e.feature_id), "%s", feature_id);
    struct ent_store_consumption ev = {.id = "00000000-0000-7000-9100-000000000001",
                                       .amount = 3,
                                       .ts_ms = 3600000,
                                       .idempotency_key = "k1",
                                       .units = 4,
                                       .created_ms = 1};
    snprintf(ev.entitlement_id, sizeof(ev.entitlement_id), "%s", e.id);
    snprintf(ev.account_id, sizeof(ev.account_id), "%s", account_id);
    int64_t consumed = -1;
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->entitlement_insert(sess, &e, true), ENT_OK);
    assert_int_equal(sess->ops->consumption_add(sess, &ev, 4, &consumed), ENT_OK);
    assert_int_equal(consumed, 3);
    ev.id[35] = '2';
    ev.amount = 2;
    ev.idempotency_key = NULL;
    assert_int_equal(sess->ops->consumption_add(sess, &ev, 4, &consumed), ENT_ELIMIT);
    assert_int_equal(consumed, 3);
    ev.id[35] = '3';
    ev.amount = 1;
    ev.idempotency_key = "k1";
    assert_int_equal(sess->ops->consumption_add(sess, &ev, 4, &consumed), ENT_ECONFLICT);
    ev.id[35] = '4';
    ev.idempotency_key = NULL;
    ev.ts_ms = 2 * 3600000 + 5;
    assert_int_equal(sess->ops->consumption_add(sess, &ev, INT64_MAX, &consumed), ENT_OK);
    assert_int_equal(consumed, 4);
    ev.id[35] = '5';
    ev.entitlement_id[0] = 'f'; /* no such entitlement: nothing written, the transaction usable */
    assert_int_equal(sess->ops->consumption_add(sess, &ev, INT64_MAX, &consumed), ENT_ENOTFOUND);
    assert_int_equal(sess->ops->commit(sess), ENT_OK);
    struct ent_arena a;
    ent_arena_init(&a, 0);
    struct ent_entitlement got;
    assert_int_equal(sess->ops->entitlement_get(sess, &a, "SVC-1", &got), ENT_OK);
    assert_int_equal(got.consumed, 4);
    assert_int_equal(got.product_category, ENT_CATEGORY_CUSTOMER_SUPPORT);
    struct ent_store_consumption found;
    assert_int_equal(sess->ops->consumption_find(sess, &a, e.id, "k1", &found), ENT_OK);
    assert_int_equal(found.consumed_after, 3);
    assert_int_equal(found.units, 4);
    assert_int_equal(sess->ops->consumption_find(sess, &a, e.id, "k2", &found), ENT_ENOTFOUND);
    struct ent_usage_bucket *buckets = NULL;
    size_t n = 0;
    assert_int_equal(
        sess->ops->consumption_series(sess, &a, e.id, 0, 86400000, ENT_PERIOD_HOUR, &buckets, &n),
        ENT_OK);
    assert_int_equal(n, 2);
    assert_int_equal(buckets[0].start_ms, 3600000);
    assert_int_equal(buckets[0].usage, 3);
    assert_int_equal(buckets[1].start_ms, 2 * 3600000);
    assert_int_equal(buckets[1].usage, 1);
    ent_arena_cleanup(&a);
    sess->ops->release(sess);
}

struct writer {
    struct ent_store *s;
    int first;
    atomic_int *added;
    atomic_int *refused;
};

/* Adds ADDS_PER_WRITER events of 1, each in its own write transaction, retrying when busy. */
static void *
writer_main(void *arg)
{
    struct writer *w = arg;
    for (int i = 0; i < ADDS_PER_WRITER; i++) {
        struct ent_store_session *sess;
        if (w->s->ops->acquire(w->s, &sess) != ENT_OK)
            continue;
        struct ent_store_usage ev;
        make_event(&ev, w->first + i, NULL);
        ev.window_start_ms = ev.ts_ms = 3 * 86400000;
        int64_t used = 0;
        int rc = sess->ops->begin(sess, true);
        if (rc == ENT_OK)
            rc = sess->ops->usage_add(sess, &ev, CAP, &used);
        if (rc == ENT_OK)
            rc = sess->ops->commit(sess);
        else
            sess->ops->rollback(sess);
        if (rc == ENT_OK)
            atomic_fetch_add(w->added, 1);
        else if (rc == ENT_ELIMIT)
            atomic_fetch_add(w->refused, 1);
        else if (rc == ENT_EBUSY)
            i--; /* SQLite's writer lock timed out: the same event again */
        sess->ops->release(sess);
    }
    return NULL;
}

/* Concurrent writers never take a counter past its cap, and every refusal is counted. */
static void
test_usage_add_exact_under_concurrency(void **state)
{
    struct ent_store *s = *state;
    atomic_int added = 0, refused = 0;
    pthread_t threads[WRITERS];
    struct writer w[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (struct writer){s, 1000 + i * ADDS_PER_WRITER, &added, &refused};
        assert_int_equal(pthread_create(&threads[i], NULL, writer_main, &w[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(threads[i], NULL);
    assert_int_equal(atomic_load(&added), CAP);
    assert_int_equal(atomic_load(&refused), WRITERS * ADDS_PER_WRITER - CAP);
    struct ent_store_session *sess;
    assert_int_equal(s->ops->acquire(s, &sess), ENT_OK);
    int64_t used = 0;
    assert_int_equal(sess->ops->usage_counter(sess, account_id, feature_id, 3 * 86400000, &used),
                     ENT_OK);
    assert_int_equal(used, CAP);
    sess->ops->release(sess);
}

/* ---- webhooks (issue 15) ---- */

/* A pending message of the outbox, due at 0. */
static void
make_message(struct ent_webhook_message *m, int n, const char *webhook, const char *account)
{
    memset(m, 0, sizeof(*m));
    snprintf(m->id, sizeof(m->id), "00000000-0000-7000-a000-%012d", n);
    snprintf(m->webhook_id, sizeof(m->webhook_id), "%s", webhook);
    snprintf(m->account_id, sizeof(m->account_id), "%s", account);
    m->type = "account.updated";
    m->body = "{}";
    m->next_attempt_ms = 0;
    m->created_ms = n;
}

/* Claims in one write transaction. Returns how many; OUT the ids, in outbox order. */
static size_t
claim(struct ent_store_session *sess, struct ent_arena *a, int64_t now, int64_t until,
      struct ent_webhook_message **out)
{
    size_t n = 0;
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->webhook_claim(sess, a, now, until, 10, out, &n), ENT_OK);
    assert_int_equal(sess->ops->commit(sess), ENT_OK);
    return n;
}

/*
 * The outbox: a claim takes each (endpoint, account) queue in order and leases it; a message
 * waiting for a retry holds up the rest of its queue, not the others; an outcome written under
 * another lease changes nothing; a resend makes messages pending again.
 */
static void
test_webhook_outbox_claims(void **state)
{
    struct ent_store *s = *state;
    struct ent_store_session *sess;
    assert_int_equal(s->ops->acquire(s, &sess), ENT_OK);
    struct ent_arena a;
    ent_arena_init(&a, 0);
    struct ent_webhook w = {.id = "00000000-0000-7000-b000-000000000001",
                            .url = "http://127.0.0.1/x",
                            .enabled = true,
                            .thresholds = {80, 100},
                            .n_thresholds = 2,
                            .lease_expiring_days = 3};
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->webhook_insert(sess, &w, "00ff"), ENT_OK);
    struct ent_webhook_message m;
    const char *queue[] = {"X", "X", "Y"};
    for (int i = 0; i < 3; i++) {
        make_message(&m, i + 1, w.id, queue[i]);
        assert_int_equal(sess->ops->webhook_message_insert(sess, &m), ENT_OK);
    }
    assert_int_equal(sess->ops->commit(sess), ENT_OK);

    struct ent_webhook_message *got = NULL;
    assert_int_equal(claim(sess, &a, 1000, 5000, &got), 3);
    assert_int_equal(claim(sess, &a, 1000, 5000, &got), 0); /* leased */
    /* m1 fails (retry at 10000), m2 is left unsent, m3 is delivered */
    struct ent_webhook_message out;
    assert_int_equal(
        sess->ops->webhook_message_get(sess, &a, "00000000-0000-7000-a000-000000000001", &out),
        ENT_OK);
    out.status = ENT_DELIVERY_PENDING;
    out.attempts = 1;
    out.last_response_code = 500;
    out.last_attempt_ms = 1000;
    out.next_attempt_ms = 10000;
    out.delivered_ms = ENT_TIME_NONE;
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->webhook_attempted(sess, &out, 5000), ENT_OK);
    assert_int_equal(sess->ops->webhook_unclaim(sess, "00000000-0000-7000-a000-000000000002", 5000),
                     ENT_OK);
    struct ent_webhook_message third;
    assert_int_equal(
        sess->ops->webhook_message_get(sess, &a, "00000000-0000-7000-a000-000000000003", &third),
        ENT_OK);
    third.status = ENT_DELIVERY_DELIVERED;
    third.attempts = 1;
    third.last_response_code = 200;
    third.last_attempt_ms = 1000;
    third.next_attempt_ms = ENT_TIME_NONE;
    third.delivered_ms = 1000;
    assert_int_equal(sess->ops->webhook_attempted(sess, &third, 4999), ENT_OK); /* not its lease */
    assert_int_equal(sess->ops->webhook_attempted(sess, &third, 5000), ENT_OK);
    assert_int_equal(sess->ops->commit(sess), ENT_OK);
    /* m2 waits behind m1, which waits for 10000 */
    assert_int_equal(claim(sess, &a, 2000, 6000, &got), 0);
    assert_int_equal(claim(sess, &a, 10000, 20000, &got), 2);
    assert_true((got[0].seq < got[1].seq) == (strcmp(got[0].id, got[1].id) < 0));
    int64_t pending = 0, oldest = 0;
    assert_int_equal(sess->ops->webhook_backlog(sess, &pending, &oldest), ENT_OK);
    assert_int_equal(pending, 2);
    assert_int_equal(oldest, 1);
    /* a replay makes every message pending and takes back the leases */
    int64_t n = 0;
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->webhook_resend(sess, w.id, NULL, ENT_TIME_NONE, NULL, 30000, &n),
                     ENT_OK);
    assert_int_equal(n, 3);
    assert_int_equal(sess->ops->webhook_resend(sess, w.id, "00000000-0000-7000-a000-000000000009",
                                               ENT_TIME_NONE, NULL, 30000, &n),
                     ENT_ENOTFOUND);
    assert_int_equal(sess->ops->commit(sess), ENT_OK);
    assert_int_equal(claim(sess, &a, 30000, 40000, &got), 3);
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->webhook_delete(sess, w.id), ENT_OK);
    assert_int_equal(sess->ops->commit(sess), ENT_OK);
    assert_int_equal(sess->ops->webhook_backlog(sess, &pending, &oldest), ENT_OK);
    assert_int_equal(pending, 0);
    ent_arena_cleanup(&a);
    sess->ops->release(sess);
}

static void
test_clock(void **state)
{
    struct ent_store *s = *state;
    int64_t diff = s->ops->now_ms(s) - ent_store_wall_ms();
    assert_true(diff > -1000 && diff < 1000);
}

/* ---------------------------------------------------------------------------------------- */
/* PostgreSQL only                                                                           */
/* ---------------------------------------------------------------------------------------- */

static void *
opener_main(void *arg)
{
    struct ent_store **out = arg;
    struct ent_error err = {0};
    if (ent_store_open(url, 2, out, &err) != ENT_OK)
        *out = NULL;
    return NULL;
}

/* Several processes opening one fresh database at once migrate it once, and all open. */
static void
test_pg_concurrent_open(void **state)
{
    char fresh[96];
    snprintf(fresh, sizeof(fresh), "%s_race", db_name);
    char sql[160];
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", fresh);
    assert_true(pg_run(server_url, sql));
    char saved[sizeof(url)];
    memcpy(saved, url, sizeof(url));
    url_with_database(server_url, fresh, url, sizeof(url));
    struct ent_store *stores[4];
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, opener_main, &stores[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < 4; i++) {
        assert_non_null(stores[i]);
        ent_store_close(stores[i]);
    }
    memcpy(url, saved, sizeof(url));
    snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", fresh);
    assert_true(pg_run(server_url, sql));
}

static void
test_pg_events_append_only(void **state)
{
    struct ent_store *s = *state;
    struct ent_store_session *sess;
    assert_int_equal(s->ops->acquire(s, &sess), ENT_OK);
    struct ent_event e = {.type = "test.made", .object = "x", .created_ms = 1};
    snprintf(e.id, sizeof(e.id), "00000000-0000-7000-8000-0000000000e1");
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->event_insert(sess, &e), ENT_OK);
    assert_int_equal(sess->ops->commit(sess), ENT_OK);
    sess->ops->release(sess);
    assert_false(pg_run(url, "UPDATE events SET type = 'changed'"));
    assert_false(pg_run(url, "DELETE FROM events"));
    assert_true(pg_run(url, "SELECT 1 FROM events WHERE type = 'test.made'"));
}

/* A writer waiting on a row lock past lock_timeout gets ENT_EBUSY. */
static void
test_pg_lock_timeout_is_busy(void **state)
{
    struct ent_store *s = *state;
    struct ent_store_session *a, *b;
    assert_int_equal(s->ops->acquire(s, &a), ENT_OK);
    assert_int_equal(s->ops->acquire(s, &b), ENT_OK);
    int64_t n = 0;
    assert_int_equal(a->ops->begin(a, true), ENT_OK);
    assert_int_equal(a->ops->activation_count_live(a, account_id, feature_id, "", 1, &n), ENT_OK);
    assert_int_equal(b->ops->begin(b, true), ENT_OK);
    assert_int_equal(b->ops->activation_count_live(b, account_id, feature_id, "", 1, &n),
                     ENT_EBUSY);
    assert_int_equal(b->ops->commit(b), ENT_EBUSY); /* the failed transaction commits nothing */
    a->ops->rollback(a);
    b->ops->release(b);
    a->ops->release(a);
}

struct heard {
    pthread_mutex_t lock;
    char account[64];
    int count;     /* account messages */
    int all;       /* ENT_STORE_CHANGE_ALL */
    int listening; /* ENT_STORE_LISTENING */
};

static void
on_change(void *arg, enum ent_store_change what, const char *id)
{
    struct heard *h = arg;
    pthread_mutex_lock(&h->lock);
    if (what == ENT_STORE_CHANGE_ACCOUNT) {
        snprintf(h->account, sizeof(h->account), "%s", id);
        h->count++;
    } else if (what == ENT_STORE_CHANGE_ALL) {
        h->all++;
    } else if (what == ENT_STORE_LISTENING) {
        h->listening++;
    }
    pthread_mutex_unlock(&h->lock);
}

/* Waits up to 3 s for *counter (under h->lock) to reach n; returns its value. */
static int
wait_counter(struct heard *h, const int *counter, int n)
{
    int v = 0;
    for (int i = 0; i < 300; i++) {
        pthread_mutex_lock(&h->lock);
        v = *counter;
        pthread_mutex_unlock(&h->lock);
        if (v >= n)
            break;
        usleep(10000);
    }
    return v;
}

/* Ends every connection the store under test holds to its database, from outside. */
static void
terminate_backends(void)
{
    assert_true(pg_run(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                            " AND application_name = 'entitled'"));
    usleep(100000);
}

/*
 * A lost connection: outside a transaction the statement runs again on a new connection; inside
 * one the transaction is lost (ENT_ESTORE) and the session works again after. The listener
 * reports ENT_STORE_CHANGE_ALL when its connection goes, and ENT_STORE_LISTENING once back.
 */
static void
test_pg_lost_connections(void **state)
{
    struct ent_store *s = *state;
    struct heard h = {.lock = PTHREAD_MUTEX_INITIALIZER};
    assert_int_equal(s->ops->listen(s, on_change, &h), ENT_OK);
    assert_int_equal(wait_counter(&h, &h.all, 1), 1); /* at once: not listening yet */
    assert_int_equal(wait_counter(&h, &h.listening, 1), 1);
    struct ent_store_session *sess;
    assert_int_equal(s->ops->acquire(s, &sess), ENT_OK);
    assert_int_equal(sess->ops->ping(sess), ENT_OK);
    terminate_backends();
    assert_int_equal(sess->ops->ping(sess), ENT_OK);
    assert_int_equal(wait_counter(&h, &h.all, 2), 2);
    assert_int_equal(wait_counter(&h, &h.listening, 2), 2);
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    terminate_backends();
    int64_t used = 0;
    assert_int_equal(sess->ops->usage_counter(sess, account_id, feature_id, 0, &used), ENT_ESTORE);
    assert_int_equal(sess->ops->commit(sess), ENT_ESTORE);
    assert_int_equal(sess->ops->ping(sess), ENT_OK);
    sess->ops->release(sess);
}

/* Waits up to 3 s for h to count at least n messages; returns the count. */
static int
wait_heard(struct heard *h, int n)
{
    for (int i = 0; i < 300; i++) {
        pthread_mutex_lock(&h->lock);
        int count = h->count;
        pthread_mutex_unlock(&h->lock);
        if (count >= n)
            return count;
        usleep(10000);
    }
    pthread_mutex_lock(&h->lock);
    int count = h->count;
    pthread_mutex_unlock(&h->lock);
    return count;
}

/* Another store's listener hears an announcement when it commits, and never on rollback. */
static void
test_pg_announce_reaches_listeners(void **state)
{
    struct ent_store *s = *state;
    struct ent_store *other = open_store();
    struct heard h = {.lock = PTHREAD_MUTEX_INITIALIZER};
    assert_int_equal(other->ops->listen(other, on_change, &h), ENT_OK);
    usleep(300000); /* the listener connects and LISTENs */
    struct ent_store_session *sess;
    assert_int_equal(s->ops->acquire(s, &sess), ENT_OK);
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->announce(sess, ENT_STORE_CHANGE_ACCOUNT, "rolled-back"), ENT_OK);
    sess->ops->rollback(sess);
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->announce(sess, ENT_STORE_CHANGE_ACCOUNT, account_id), ENT_OK);
    assert_int_equal(sess->ops->commit(sess), ENT_OK);
    sess->ops->release(sess);
    assert_int_equal(wait_heard(&h, 1), 1);
    usleep(200000);
    assert_int_equal(wait_heard(&h, 2), 1);
    assert_string_equal(h.account, account_id);
    ent_store_close(other);
}

/* Runs sql on the SQLite database at path; fails the test when it fails. */
static void
sqlite_run(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_close(db);
}

/*
 * A store of schema 4 holding usage (an event and its counter, keyed by ids) is migrated to
 * schema 5 (usage keyed by numbers) and 6 (series and counters in one table) with its usage
 * intact: the counter reads what it held, the next event adds to it, the series sums both,
 * and accounts made later get numbers too.
 */
static void
test_sqlite_usage_keeps_its_counts_through_0005_and_0006(void **state)
{
    (void)state;
    char dir[] = "/tmp/entitled-0005-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], old_url[160];
    snprintf(path, sizeof(path), "%s/old.db", dir);
    snprintf(old_url, sizeof(old_url), "sqlite:%s", path);
    sqlite_run(path, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                     " name TEXT NOT NULL, applied_ms INTEGER NOT NULL)");
    for (const struct ent_migration *m = ent_sqlite_migrations; m->version && m->version <= 4;
         m++) {
        sqlite_run(path, m->sql);
        char sql[160];
        snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations VALUES (%d, '%s', 1)", m->version,
                 m->name);
        sqlite_run(path, sql);
    }
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "INSERT INTO accounts (id, key, name, type, created_ms, updated_ms)"
             " VALUES ('%s', 'acme', 'Acme', 'customer', 1, 1);"
             "INSERT INTO features (id, key, name, type, reset_period, status, created_ms,"
             " updated_ms) VALUES ('%s', 'calls', 'Calls', 'metered', 'day', 'active', 1, 1);"
             "INSERT INTO usage_events (id, account_id, feature_id, amount, ts_ms,"
             " window_start_ms, window_end_ms, usage_after, created_ms)"
             " VALUES ('00000000-0000-7000-9000-000000000900', '%s', '%s', 7, 86400000 + 5,"
             " 86400000, 172800000, 7, 1);"
             "INSERT INTO usage_counters VALUES ('%s', '%s', 86400000, 7);",
             account_id, feature_id, account_id, feature_id, account_id, feature_id);
    sqlite_run(path, sql);

    struct ent_store *s = NULL;
    struct ent_error err = {0};
    assert_int_equal(ent_store_open(old_url, 2, &s, &err), ENT_OK);
    struct ent_store_session *sess;
    assert_int_equal(s->ops->acquire(s, &sess), ENT_OK);
    int64_t used = -1;
    assert_int_equal(sess->ops->usage_counter(sess, account_id, feature_id, 86400000, &used),
                     ENT_OK);
    assert_int_equal(used, 7);
    struct ent_store_usage ev;
    make_event(&ev, 901, NULL);
    ev.ts_ms = 86400000 + 3600000; /* the next hour */
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->usage_add(sess, &ev, CAP, &used), ENT_OK);
    assert_int_equal(sess->ops->commit(sess), ENT_OK);
    assert_int_equal(used, 8);
    struct ent_arena a;
    ent_arena_init(&a, 0);
    struct ent_usage_bucket *buckets = NULL;
    size_t n = 0;
    assert_int_equal(sess->ops->usage_series(sess, &a, account_id, feature_id, 0, 3 * 86400000LL,
                                             ENT_PERIOD_HOUR, &buckets, &n),
                     ENT_OK);
    assert_int_equal(n, 2);
    assert_int_equal(buckets[0].start_ms, 86400000);
    assert_int_equal(buckets[0].usage, 7);
    assert_int_equal(buckets[1].usage, 1);
    struct ent_account later = {.key = "later",
                                .name = "Later",
                                .type = ENT_ACCOUNT_CUSTOMER,
                                .attributes = "{}",
                                .created_ms = 2,
                                .updated_ms = 2};
    snprintf(later.id, sizeof(later.id), "00000000-0000-7000-8000-000000000003");
    assert_int_equal(sess->ops->begin(sess, true), ENT_OK);
    assert_int_equal(sess->ops->account_insert(sess, &later), ENT_OK);
    assert_int_equal(sess->ops->commit(sess), ENT_OK);
    ent_arena_cleanup(&a);
    sess->ops->release(sess);
    ent_store_close(s);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*), count(DISTINCT num), min(num)"
                                        " FROM accounts",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 2);
    assert_int_equal(sqlite3_column_int(st, 1), 2); /* each has a number of its own */
    assert_int_equal(sqlite3_column_int(st, 2), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/old.db%s", dir, suffixes[i]);
        unlink(path);
    }
    rmdir(dir);
}

int
main(int argc, char **argv)
{
    on_pg = argc > 1 && strcmp(argv[1], "pg") == 0;
    const char *pg = getenv("ENTITLED_TEST_PG_URL");
    if (on_pg && (!pg || !pg[0])) {
        fprintf(stderr, "ENTITLED_TEST_PG_URL is not set: skipped\n");
        return 77;
    }
    char dir[] = "/tmp/entitled-store-XXXXXX";
    if (on_pg) {
        snprintf(server_url, sizeof(server_url), "%s", pg);
        snprintf(db_name, sizeof(db_name), "entitled_unit_%ld_%d", (long)time(NULL), (int)getpid());
        char sql[128];
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db_name);
        if (!pg_run(server_url, sql)) {
            fprintf(stderr, "cannot create a database on %s\n", server_url);
            return 1;
        }
        url_with_database(server_url, db_name, url, sizeof(url));
    } else {
        if (!mkdtemp(dir))
            return 1;
        snprintf(url, sizeof(url), "sqlite:%s/entitled.db", dir);
    }
    const struct CMUnitTest common[] = {
        cmocka_unit_test(test_migrated),
        cmocka_unit_test(test_unique_is_conflict),
        cmocka_unit_test(test_usage_add_cap_and_key),
        cmocka_unit_test(test_usage_add_exact_under_concurrency),
        cmocka_unit_test(test_feature_keys_and_names_in_any_case), /* issue 17 */
        cmocka_unit_test(test_consumption_add_cap_and_key),        /* issue 17 */
        cmocka_unit_test(test_clock),
        cmocka_unit_test(test_webhook_outbox_claims), /* issue 15 */
        cmocka_unit_test(test_seed_004),              /* issue 17 */
    };
    const struct CMUnitTest pg_only[] = {
        cmocka_unit_test(test_pg_concurrent_open),
        cmocka_unit_test(test_pg_events_append_only),
        cmocka_unit_test(test_pg_lock_timeout_is_busy),
        cmocka_unit_test(test_pg_announce_reaches_listeners),
        cmocka_unit_test(test_pg_lost_connections),
    };
    const struct CMUnitTest sqlite_only[] = {
        cmocka_unit_test(test_sqlite_usage_keeps_its_counts_through_0005_and_0006),
    };
    int failed =
        cmocka_run_group_tests_name(on_pg ? "store/pg" : "store/sqlite", common, setup, teardown);
    if (on_pg) {
        failed += cmocka_run_group_tests_name("store/pg only", pg_only, setup_open, teardown);
        char sql[128];
        snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", db_name);
        pg_run(server_url, sql);
    } else {
        failed += cmocka_run_group_tests_name("store/sqlite only", sqlite_only, NULL, NULL);
        char path[64];
        const char *suffixes[] = {"", "-wal", "-shm"};
        for (size_t i = 0; i < 3; i++) {
            snprintf(path, sizeof(path), "%s/entitled.db%s", dir, suffixes[i]);
            unlink(path);
        }
        rmdir(dir);
    }
    return failed ? 1 : 0;
}
