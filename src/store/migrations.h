/* SPDX-License-Identifier: MIT */
/*
 * migrations.h: schema migrations embedded at build time from src/store/schema/<backend>/
 * (scripts/embed_sql.py). Each backend applies, in one transaction each, the migrations above
 * the version its database records.
 */
#ifndef ENT_STORE_MIGRATIONS_H
#define ENT_STORE_MIGRATIONS_H

struct ent_migration {
    int version;      /* 1, 2, …; 0 ends the array */
    const char *name; /* "0001_catalog" */
    const char *sql;
};

extern const struct ent_migration ent_sqlite_migrations[];
extern const struct ent_migration ent_pg_migrations[];

#endif /* ENT_STORE_MIGRATIONS_H */
