/* SPDX-License-Identifier: MIT */
/*
 * portable.h: the store in a form both backends read and write alike, for export, import and
 * copy between backends: every table of the product's data in the order a load writes them
 * (a row's parents first), each with the columns of its portable form. The portable form is
 * PostgreSQL's layout: SQLite's is the same but for numbers it adds for its own indexes
 * (accounts.num, features.num, usage_events' account_num and feature_num) and for the usage
 * counters, which it keeps as rows of usage_series; its dump and load translate (a deliberate
 * difference, sqlite_portable.c). Values are integers, text or NULL, nothing else.
 */
#ifndef ENT_STORE_PORTABLE_H
#define ENT_STORE_PORTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <entitled.h>

/* A value is a struct ent_value (entitled.h): an integer, text or NULL. */

#define ENT_PORTABLE_COLUMNS_MAX 32

struct ent_portable_table {
    const char *name;
    const char *columns[ENT_PORTABLE_COLUMNS_MAX]; /* the portable form, in order; NULL ends */
    const char *key;      /* the columns a row is known by (ON CONFLICT), comma-separated */
    const char *order_by; /* the order of a dump: the same on both backends */
    const char *since;    /* an expression of the row's last change (ms), or NULL: every row */
    bool append_only;     /* rows never change: a loaded row already there is left as it is */
    const char *where;    /* the rows of the data, when not all are (SQL), or NULL */
};

/* The tables, parents first. */
extern const struct ent_portable_table ent_portable_tables[];
extern const size_t ent_portable_tables_count;

/* The number of columns of t's portable form. */
size_t ent_portable_width(const struct ent_portable_table *t);

/* The table named name, or NULL. */
const struct ent_portable_table *ent_portable_named(const char *name);

/* Called with each dumped row (values in the table's column order); non-zero stops the dump. */
typedef int (*ent_portable_row_fn)(void *arg, const struct ent_portable_table *t,
                                   const struct ent_value *values);

/*
 * SQL of a generic dump: SELECT the columns FROM the table [WHERE since >= $1] ORDER BY, with
 * the placeholder written as placeholder ("?1" or "$1"). Accounts come parents first (a
 * recursive query). Returns the length, or -1 when it does not fit in cap.
 */
int ent_portable_dump_sql(const struct ent_portable_table *t, bool since, const char *placeholder,
                          char *out, size_t cap);

/*
 * SQL of a generic load of one row: INSERT … ON CONFLICT (key) DO UPDATE SET every other column
 * (DO NOTHING for append-only tables), with placeholders prefix1, prefix2, … ("?" or "$").
 * Returns the length, or -1 when it does not fit in cap.
 */
int ent_portable_load_sql(const struct ent_portable_table *t, const char *prefix, char *out,
                          size_t cap);

#endif /* ENT_STORE_PORTABLE_H */
