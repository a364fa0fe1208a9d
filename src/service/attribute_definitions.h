/* SPDX-License-Identifier: MIT */
/*
 * attribute_definitions.h: the check of written attributes against the custom attribute
 * definitions of their object (seed 004), for every service that writes attributes. Internal
 * to the service layer.
 */
#ifndef ENT_SERVICE_ATTRIBUTE_DEFINITIONS_H
#define ENT_SERVICE_ATTRIBUTE_DEFINITIONS_H

#include <entitled.h>

/*
 * Checks *attributes (JSON object text; NULL: none) against the definitions of object, inside
 * the open write transaction: each attribute a definition names must be of its type (a field
 * error on "<field>.<name>", field being "attributes", "items[2].attributes", …), and every
 * required one must be there (not null). Values are normalised (dates "YYYY-MM-DD", numbers and
 * booleans given as strings as JSON ones): *attributes then points to new text in the arena.
 * Attributes no definition names are left as they are.
 * Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
int ent_attribute_definitions_apply(struct ent_ctx *ctx, enum ent_attribute_object object,
                                    const char *field, const char **attributes,
                                    struct ent_error *err);

#endif /* ENT_SERVICE_ATTRIBUTE_DEFINITIONS_H */
