/* SPDX-License-Identifier: MIT */
/*
 * evaluation.h: what evaluation.c tells the rest of the service beside its answers: the stamp
 * of the snapshot an answer came from, and until when the answers hold. Together they let a
 * caller keep something computed from every answer of an account (OFREP's entity tag, ofrep.c)
 * and know, without evaluating, whether it still holds.
 */
#ifndef ENT_SERVICE_EVALUATION_H
#define ENT_SERVICE_EVALUATION_H

#include <stdint.h>

#include <entitled.h>

/*
 * The snapshot behind an account's answers: its build (a new snapshot for any change of the
 * account's data or of the catalog) and how many times usage was raised in it in place. Equal
 * stamps, before the moment the answers change by the clock, mean equal answers.
 */
struct ent_eval_stamp {
    uint64_t serial;
    uint64_t usage_version;
};

/*
 * The stamp of account's snapshot now (taken, read, given back: from memory when warm), and
 * its id. Errors as ent_evaluation_all().
 */
int ent_evaluation_stamp(struct ent_ctx *ctx, const char *account, char account_id[37],
                         struct ent_eval_stamp *out, struct ent_error *err);

/*
 * ent_evaluation_all(), also telling the stamp of the snapshot it read (taken before the
 * answers were read from it) and the first moment after now at which one of the answers changes
 * by the clock alone (a grant starts or ends, a usage window resets, a floating seat expires);
 * INT64_MAX when none does.
 */
int ent_evaluation_all_stamped(struct ent_ctx *ctx, const char *account,
                               struct ent_eval_answer *out, struct ent_eval_stamp *stamp,
                               int64_t *stable_until_ms, struct ent_error *err);

#endif /* ENT_SERVICE_EVALUATION_H */
