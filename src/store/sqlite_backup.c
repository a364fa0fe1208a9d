/* SPDX-License-Identifier: MIT */
/*
 * sqlite_backup.c: the online backup of a SQLite store (the ops slot backup). VACUUM INTO writes
 * the store as of one moment (it reads in one transaction, while others read and write) into a
 * new file beside the target, which is checked (integrity_check), flushed to disk and only then
 * renamed to the target's name: the target exists only whole and checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/sqlite_int.h"

/* Flushes path (a file, or a directory after a rename in it) to disk. */
static int
sync_path(const char *path, bool directory)
{
    int fd = open(path, (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* The directory of path, into dir (cap bytes). */
static void
dir_of(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, cap, ".");
    else if (slash == path)
        snprintf(dir, cap, "/");
    else
        snprintf(dir, cap, "%.*s", (int)(slash - path), path);
}

/* Runs PRAGMA integrity_check on the file at path, opened read-only: ENT_OK when "ok". */
static int
check_copy(const char *path)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    sqlite3_stmt *st = NULL;
    bool ok = false;
    if (rc == SQLITE_OK &&
        sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK) {
        ok = sqlite3_step(st) == SQLITE_ROW &&
             strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0 &&
             sqlite3_step(st) == SQLITE_DONE;
    }
    if (!ok)
        ent_store_log(ENT_LOG_ERROR, "sqlite: the copy %s fails its integrity check: %s\n", path,
                      db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ok ? ENT_OK : ENT_ESTORE;
}

int
ent_sqlite_backup(struct ent_store_session *sess, const char *path, int64_t *bytes)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    struct stat sb;
    if (stat(path, &sb) == 0 || errno != ENOENT)
        return ENT_ECONFLICT;
    char partial[PATH_MAX];
    if (snprintf(partial, sizeof(partial), "%s.partial-%ld", path, (long)getpid()) >=
        (int)sizeof(partial))
        return ENT_EINVAL;
    unlink(partial);
    /* Not through the statement cache: VACUUM is run once. */
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "VACUUM INTO ?1", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, partial, -1, SQLITE_TRANSIENT);
        rc = ent_sqlite_step(s, st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        int code = ent_sqlite_fail(s, rc, "backup (VACUUM INTO)");
        unlink(partial);
        return code;
    }
    char dir[PATH_MAX];
    dir_of(path, dir, sizeof(dir));
    int code = check_copy(partial);
    if (code == ENT_OK && sync_path(partial, false) < 0)
        code = ENT_ESTORE;
    if (code == ENT_OK && stat(partial, &sb) < 0)
        code = ENT_ESTORE;
    /* link() does not replace: a target made meanwhile is kept, and this copy refused. */
    if (code == ENT_OK && link(partial, path) < 0)
        code = errno == EEXIST ? ENT_ECONFLICT : ENT_ESTORE;
    unlink(partial);
    if (code == ENT_OK && sync_path(dir, true) < 0)
        code = ENT_ESTORE;
    if (code == ENT_OK)
        *bytes = (int64_t)sb.st_size;
    return code;
}
