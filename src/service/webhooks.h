/* SPDX-License-Identifier: MIT */
/*
 * webhooks.h: what the delivery workers (delivery.c) need of the endpoints' signing secrets:
 * opening the secret boxes the store keeps.
 */
#ifndef ENT_SERVICE_WEBHOOKS_H
#define ENT_SERVICE_WEBHOOKS_H

#include <stddef.h>

#include <entitled.h>

#define ENT_WEBHOOK_KEY_BYTES 32 /* the random bytes of a secret: its HMAC-SHA256 key */

/*
 * Opens a secret box of the store (hex of nonce and box) with the application's key and decodes
 * the secret ("whsec_" + base64) to its key bytes. OUT key (ENT_WEBHOOK_KEY_BYTES), the caller
 * wipes it. Errors: ENT_EINTERNAL (not a box of this key file, or not a secret).
 */
int ent_webhooks_open_secret(struct ent_app *app, const char *box_hex,
                             unsigned char key[ENT_WEBHOOK_KEY_BYTES]);

/* True when host (a name or an address, without brackets) may be sent to: see ent_webhooks_create.
 */
bool ent_webhooks_host_allowed(struct ent_app *app, const char *host);

#endif /* ENT_SERVICE_WEBHOOKS_H */
