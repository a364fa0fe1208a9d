/* SPDX-License-Identifier: MIT */
/*
 * cors.c: which Origin may call the OFREP routes from a browser (cors.h). The headers are set by
 * server.c, which answers the preflight; this file only matches the operator's list.
 */
#include "http/cors.h"

#include <string.h>
#include <strings.h>

bool
ent_cors_allowed(const char *list, const char *origin)
{
    if (!list || !origin || !origin[0])
        return false;
    size_t origin_len = strlen(origin);
    const char *p = list;
    while (*p) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ' ' && *p != '\t')
            p++;
        size_t n = (size_t)(p - start);
        if (n == 1 && *start == '*')
            return true;
        /* A listed origin may end in '/': browsers send none. */
        if (n > 1 && start[n - 1] == '/')
            n--;
        if (n && n == origin_len && strncasecmp(start, origin, n) == 0)
            return true;
    }
    return false;
}
