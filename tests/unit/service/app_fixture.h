/* SPDX-License-Identifier: MIT */
/*
 * app_fixture.h: an application on a SQLite store of its own in a fresh temporary directory,
 * for the unit tests of the service layer that go through the library (test_cache, test_ofrep,
 * test_licenses): opened in a test's setup, closed and removed in its teardown.
 */
#ifndef ENT_TESTS_UNIT_SERVICE_APP_FIXTURE_H
#define ENT_TESTS_UNIT_SERVICE_APP_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <entitled.h>

/*
 * Makes a directory /tmp/entitled-NAME-XXXXXX in dir (64 bytes) and opens the application cfg
 * asks for (its store_url is set here) on a SQLite store in it.
 */
static inline struct ent_app *
ent_test_app_open(const char *name, char dir[64], struct ent_config cfg)
{
    snprintf(dir, 64, "/tmp/entitled-%s-XXXXXX", name);
    assert_non_null(mkdtemp(dir));
    char url[128];
    snprintf(url, sizeof(url), "sqlite:%s/entitled.db", dir);
    cfg.store_url = url;
    if (!cfg.connections)
        cfg.connections = 2;
    struct ent_app *app = NULL;
    struct ent_error err;
    if (ent_app_open(&cfg, &app, &err) != ENT_OK)
        fail_msg("%s: cannot open the application: %s", name, err.message);
    return app;
}

/* Closes app and removes its directory. */
static inline void
ent_test_app_close(const char *name, struct ent_app *app, const char *dir)
{
    ent_app_close(app);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "%s: could not remove %s\n", name, dir);
}

#endif /* ENT_TESTS_UNIT_SERVICE_APP_FIXTURE_H */
