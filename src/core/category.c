/* SPDX-License-Identifier: MIT */
/* category.c: what a product's category means (see category.h). */
#include "core/category.h"

bool
ent_category_is_service(enum ent_category c)
{
    return c == ENT_CATEGORY_PROFESSIONAL_SERVICES || c == ENT_CATEGORY_CUSTOMER_SUPPORT;
}

bool
ent_category_may_grant(enum ent_category c)
{
    return c != ENT_CATEGORY_PHYSICAL_GOODS;
}

bool
ent_category_provisions(enum ent_category c, size_t n_features)
{
    switch (c) {
    case ENT_CATEGORY_PROFESSIONAL_SERVICES:
    case ENT_CATEGORY_CUSTOMER_SUPPORT:
        return true;
    case ENT_CATEGORY_RECURRING_SERVICES:
    case ENT_CATEGORY_OTHER:
        return n_features > 0;
    case ENT_CATEGORY_PHYSICAL_GOODS:
        return false;
    }
    return false;
}
