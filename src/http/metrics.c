/* SPDX-License-Identifier: MIT */
/*
 * metrics.c: request counters per route and status class, and their Prometheus rendering.
 */
#include "http/metrics.h"

#include <stdatomic.h>

#include "http/log.h"
#include "http/routes.h"

#define MAX_ROUTES 128
#define CLASSES 6 /* 1xx … 5xx, and other */

static atomic_uint_fast64_t requests[MAX_ROUTES + 1][CLASSES];
static atomic_uint_fast64_t duration_us[MAX_ROUTES + 1];

void
ent_metrics_count(size_t route, int status, int64_t duration_ns)
{
    if (route > MAX_ROUTES)
        route = MAX_ROUTES;
    int cls = status / 100;
    if (cls < 1 || cls > 5)
        cls = 0;
    atomic_fetch_add(&requests[route][cls], 1);
    atomic_fetch_add(&duration_us[route], (uint64_t)(duration_ns / 1000));
}

int
ent_metrics_render(struct ent_app *app, struct ent_buf *b)
{
    int rc = ent_buf_puts(b, "# HELP entitled_requests_total Requests answered, by route and "
                             "status class.\n# TYPE entitled_requests_total counter\n");
    for (size_t r = 0; rc == 0 && r <= ent_routes_count && r <= MAX_ROUTES; r++) {
        const char *method =
            r < ent_routes_count ? ent_routes_method_name(ent_routes[r].method) : "";
        const char *path = r < ent_routes_count ? ent_routes[r].pattern : "unmatched";
        for (int c = 0; rc == 0 && c < CLASSES; c++) {
            uint64_t n = atomic_load(&requests[r][c]);
            if (n == 0)
                continue;
            rc = ent_buf_printf(b,
                                "entitled_requests_total{method=\"%s\",route=\"%s\","
                                "status=\"%s\"} %llu\n",
                                method, path,
                                c ? (const char[]){(char)('0' + c), 'x', 'x', 0} : "other",
                                (unsigned long long)n);
        }
    }
    struct ent_app_stats st;
    ent_app_stats(app, &st);
    if (rc == 0)
        rc =
            ent_buf_printf(b,
                           "# HELP entitled_store_calls_total Statements sent to the store.\n"
                           "# TYPE entitled_store_calls_total counter\n"
                           "entitled_store_calls_total %llu\n"
                           "# HELP entitled_store_commits_total Transactions committed.\n"
                           "# TYPE entitled_store_commits_total counter\n"
                           "entitled_store_commits_total %llu\n"
                           "# HELP entitled_store_rollbacks_total Transactions rolled back.\n"
                           "# TYPE entitled_store_rollbacks_total counter\n"
                           "entitled_store_rollbacks_total %llu\n",
                           (unsigned long long)st.store_calls, (unsigned long long)st.store_commits,
                           (unsigned long long)st.store_rollbacks);
    if (rc == 0)
        rc = ent_buf_printf(
            b,
            "# HELP entitled_cache_hits_total Evaluations answered from a snapshot in memory.\n"
            "# TYPE entitled_cache_hits_total counter\n"
            "entitled_cache_hits_total %llu\n"
            "# HELP entitled_cache_misses_total Account snapshots built from the store.\n"
            "# TYPE entitled_cache_misses_total counter\n"
            "entitled_cache_misses_total %llu\n"
            "# HELP entitled_cache_evictions_total Snapshots dropped by the LRU bound.\n"
            "# TYPE entitled_cache_evictions_total counter\n"
            "entitled_cache_evictions_total %llu\n"
            "# HELP entitled_cache_usage_updates_total Recorded usage events reported to the "
            "snapshots in memory (which keep them instead of being dropped).\n"
            "# TYPE entitled_cache_usage_updates_total counter\n"
            "entitled_cache_usage_updates_total %llu\n"
            "# HELP entitled_cache_accounts Account snapshots held in memory.\n"
            "# TYPE entitled_cache_accounts gauge\n"
            "entitled_cache_accounts %llu\n"
            "# HELP entitled_cache_bytes Memory of the snapshots held.\n"
            "# TYPE entitled_cache_bytes gauge\n"
            "entitled_cache_bytes %llu\n"
            "# HELP entitled_cache_keeping 1 while snapshots are kept: the store's changes are "
            "heard (PostgreSQL: the change listener is connected); 0 meanwhile, every evaluate "
            "reading the store.\n"
            "# TYPE entitled_cache_keeping gauge\n"
            "entitled_cache_keeping %llu\n",
            (unsigned long long)st.cache_hits, (unsigned long long)st.cache_misses,
            (unsigned long long)st.cache_evictions, (unsigned long long)st.cache_usage_updates,
            (unsigned long long)st.cache_accounts, (unsigned long long)st.cache_bytes,
            (unsigned long long)st.cache_keeping);
    if (rc == 0)
        rc = ent_buf_printf(
            b,
            "# HELP entitled_usage_groups_total Transactions of the usage group committer.\n"
            "# TYPE entitled_usage_groups_total counter\n"
            "entitled_usage_groups_total %llu\n"
            "# HELP entitled_usage_grouped_total Single usage events recorded in them.\n"
            "# TYPE entitled_usage_grouped_total counter\n"
            "entitled_usage_grouped_total %llu\n",
            (unsigned long long)st.usage_groups, (unsigned long long)st.usage_grouped);
    if (rc == 0)
        rc = ent_buf_printf(b,
                            "# HELP entitled_log_lines_dropped_total Log lines dropped because "
                            "the log's output did not keep up.\n"
                            "# TYPE entitled_log_lines_dropped_total counter\n"
                            "entitled_log_lines_dropped_total %llu\n",
                            (unsigned long long)ent_log_dropped());
    /* webhooks (issue 15) */
    struct ent_webhook_stats wh;
    ent_webhooks_stats(app, &wh);
    if (rc == 0)
        rc = ent_buf_printf(
            b,
            "# HELP entitled_webhook_messages_queued Webhook messages waiting to be delivered "
            "(all daemons, counted every second).\n"
            "# TYPE entitled_webhook_messages_queued gauge\n"
            "entitled_webhook_messages_queued %lld\n"
            "# HELP entitled_webhook_oldest_pending_seconds Age of the oldest waiting message.\n"
            "# TYPE entitled_webhook_oldest_pending_seconds gauge\n"
            "entitled_webhook_oldest_pending_seconds %.3f\n"
            "# HELP entitled_webhook_deliveries_total Attempts answered 2xx by this daemon.\n"
            "# TYPE entitled_webhook_deliveries_total counter\n"
            "entitled_webhook_deliveries_total %llu\n"
            "# HELP entitled_webhook_failed_attempts_total Attempts that failed, by this daemon.\n"
            "# TYPE entitled_webhook_failed_attempts_total counter\n"
            "entitled_webhook_failed_attempts_total %llu\n"
            "# HELP entitled_webhook_failed_total Messages that failed for good, by this daemon.\n"
            "# TYPE entitled_webhook_failed_total counter\n"
            "entitled_webhook_failed_total %llu\n",
            (long long)wh.pending, (double)wh.oldest_pending_ms / 1000.0,
            (unsigned long long)wh.delivered, (unsigned long long)wh.failed_attempts,
            (unsigned long long)wh.failed);
    return rc;
}
