/* SPDX-License-Identifier: MIT */
/*
 * api.h: the handlers of the route table (one api_<resource>.c per resource) and the encoder
 * the library uses for audit events and idempotent answers.
 */
#ifndef ENT_HTTP_API_H
#define ENT_HTTP_API_H

#include <jansson.h>

#include "http/request.h"

/* api_meta.c */
void ent_api_meta_healthz(struct ent_request *req);
void ent_api_meta_readyz(struct ent_request *req);
void ent_api_meta_metrics(struct ent_request *req);
void ent_api_meta_openapi(struct ent_request *req);

/* api_features.c */
void ent_api_features_create(struct ent_request *req);
void ent_api_features_list(struct ent_request *req);
void ent_api_features_get(struct ent_request *req);
void ent_api_features_update(struct ent_request *req);
void ent_api_features_delete(struct ent_request *req);
json_t *ent_api_features_encode(const struct ent_feature *f);

/* api_products.c */
void ent_api_products_create(struct ent_request *req);
void ent_api_products_list(struct ent_request *req);
void ent_api_products_get(struct ent_request *req);
void ent_api_products_update(struct ent_request *req);
void ent_api_products_delete(struct ent_request *req);
void ent_api_products_set_entitlement(struct ent_request *req);
void ent_api_products_remove_entitlement(struct ent_request *req);
json_t *ent_api_products_encode(const struct ent_product *p);
json_t *ent_api_products_encode_entitlement(const struct ent_product_entitlement *pe);

/* api_accounts.c */
void ent_api_accounts_create(struct ent_request *req);
void ent_api_accounts_list(struct ent_request *req);
void ent_api_accounts_get(struct ent_request *req);
void ent_api_accounts_update(struct ent_request *req);
void ent_api_accounts_delete(struct ent_request *req);
json_t *ent_api_accounts_encode(const struct ent_account *a);

/* api_keys.c */
void ent_api_keys_create(struct ent_request *req);
void ent_api_keys_list(struct ent_request *req);
void ent_api_keys_revoke(struct ent_request *req);
void ent_api_keys_current(struct ent_request *req);
json_t *ent_api_keys_encode(const struct ent_key *k);

/* api_orders.c */
void ent_api_orders_create(struct ent_request *req);
void ent_api_orders_list(struct ent_request *req);
void ent_api_orders_get(struct ent_request *req);
void ent_api_orders_activate(struct ent_request *req);
json_t *ent_api_orders_encode(const struct ent_order *o);
/* seed 004 (issue 17): drafts edited; line items added, changed, deployed one by one */
void ent_api_orders_update(struct ent_request *req);
void ent_api_orders_add_items(struct ent_request *req);
void ent_api_orders_update_item(struct ent_request *req);
void ent_api_orders_deploy_item(struct ent_request *req);
void ent_api_orders_undeploy_item(struct ent_request *req);
/* Reads a time or date field (RFC 3339, or YYYY-MM-DD at midnight UTC). */
struct ent_jreader;
bool ent_api_read_date(struct ent_jreader *r, const char *name, unsigned flags, int64_t *ms);
/* Refuses "permanent": false without an end_date (naming end_date). */
void ent_api_check_end(struct ent_jreader *r, bool permanent, int64_t end_ms);

/* api_entitlements.c */
void ent_api_entitlements_create(struct ent_request *req);
void ent_api_entitlements_list(struct ent_request *req);
void ent_api_entitlements_get(struct ent_request *req);
void ent_api_entitlements_update(struct ent_request *req);
void ent_api_entitlements_revoke(struct ent_request *req);
void ent_api_entitlements_consume(struct ent_request *req); /* issue 17 */
json_t *ent_api_entitlements_encode(const struct ent_entitlement *e);
/* seed 004 (issue 17): transfers along a distribution chain */
void ent_api_entitlements_transfer(struct ent_request *req);
json_t *ent_api_entitlements_encode_transfer(const struct ent_transfer *t);
/* seed 004: the maintenance covering an entitlement, or null */
json_t *ent_api_entitlements_encode_maintenance(const struct ent_maintenance *m);

/* api_leases.c */
void ent_api_leases_apply(struct ent_request *req);
void ent_api_leases_list(struct ent_request *req);
void ent_api_leases_get(struct ent_request *req);
void ent_api_leases_extend(struct ent_request *req);
json_t *ent_api_leases_encode(const struct ent_lease *l);

/* api_evaluate.c */
void ent_api_evaluate_run(struct ent_request *req);
void ent_api_evaluate_bulk(struct ent_request *req);
void ent_api_evaluate_account(struct ent_request *req);

/* Writes one feature's answer as /v1/evaluate does (http/jsonw.h), without its sources. */
struct ent_jw;
void ent_api_evaluate_write_answer(struct ent_jw *w, const struct ent_feature_answer *a);

/* api_ofrep.c: OpenFeature Remote Evaluation Protocol (issue 14). */
void ent_api_ofrep_flag(struct ent_request *req);
void ent_api_ofrep_bulk(struct ent_request *req);
void ent_api_ofrep_configuration(struct ent_request *req);
void ent_api_ofrep_events(struct ent_request *req);
/* Answers err in the protocol's error shape (every answer under /ofrep/; called by problem.c). */
void ent_api_ofrep_error(struct ent_request *req, const struct ent_error *err);

/* api_activations.c */
void ent_api_activations_activate(struct ent_request *req);
void ent_api_activations_list(struct ent_request *req);
void ent_api_activations_get(struct ent_request *req);
void ent_api_activations_deactivate(struct ent_request *req);
void ent_api_activations_heartbeat(struct ent_request *req);
json_t *ent_api_activations_encode(const struct ent_activation *a);

/* api_usage.c */
void ent_api_usage_record(struct ent_request *req);
void ent_api_usage_batch(struct ent_request *req);
void ent_api_usage_series(struct ent_request *req);
json_t *ent_api_usage_encode(const struct ent_usage_result *u);
/* Reads an event body (with consumption: of POST /v1/entitlements/{id}/consumption). */
struct ent_jreader;
void ent_api_usage_read_event(struct ent_jreader *r, bool consumption, struct ent_usage_input *in);
/* Answers one event: its result (u->status), or err's problem (a refusal with u's fields). */
void ent_api_usage_answer(struct ent_request *req, const struct ent_error *err,
                          const struct ent_usage_result *u, const char *feature);

/* api_events.c */
void ent_api_events_list(struct ent_request *req);

/* api_licenses.c (issue 13: signed licenses) */
void ent_api_licenses_issue(struct ent_request *req);
void ent_api_licenses_list(struct ent_request *req);
void ent_api_licenses_get(struct ent_request *req);
void ent_api_licenses_revoke(struct ent_request *req);
void ent_api_licenses_renew(struct ent_request *req);
void ent_api_licenses_validate(struct ent_request *req);
void ent_api_licenses_keys_list(struct ent_request *req);
void ent_api_licenses_keys_rotate(struct ent_request *req);
void ent_api_licenses_jwks(struct ent_request *req);
json_t *ent_api_licenses_encode(const struct ent_license *l);
json_t *ent_api_licenses_encode_signing_key(const struct ent_signing_key *k);

/* encode.c: the library's encoder (ent_encode_fn) over the encoders above. */
int ent_api_encode(struct ent_ctx *ctx, enum ent_kind kind, const void *object, const char **text,
                   size_t *text_len);

/* api_webhooks.c (issue 15) */
void ent_api_webhooks_create(struct ent_request *req);
void ent_api_webhooks_list(struct ent_request *req);
void ent_api_webhooks_get(struct ent_request *req);
void ent_api_webhooks_update(struct ent_request *req);
void ent_api_webhooks_delete(struct ent_request *req);
void ent_api_webhooks_rotate_secret(struct ent_request *req);
void ent_api_webhooks_deliveries(struct ent_request *req);
void ent_api_webhooks_retry(struct ent_request *req);
void ent_api_webhooks_replay(struct ent_request *req);
json_t *ent_api_webhooks_encode(const struct ent_webhook *w);

/* api_console.c (issue 16: the web console's files) */
void ent_api_console_redirect(struct ent_request *req);
void ent_api_console_page(struct ent_request *req);
void ent_api_console_asset(struct ent_request *req);

/* api_attribute_definitions.c (issue 17: seed 004's custom attributes) */
void ent_api_attribute_definitions_create(struct ent_request *req);
void ent_api_attribute_definitions_list(struct ent_request *req);
void ent_api_attribute_definitions_get(struct ent_request *req);
void ent_api_attribute_definitions_delete(struct ent_request *req);
json_t *ent_api_attribute_definitions_encode(const struct ent_attribute_definition *d);

#endif /* ENT_HTTP_API_H */
