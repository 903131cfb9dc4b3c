/* names.c - the syntax of the names that come from outside (the spool, the
 * store's status files): what a sid and a node name may be, so that no
 * blank, control byte or shell character gets past a parser. */
#include <string.h>

#include "state/model.h"

static bool in_range(char c, char lo, char hi)
{
    return c >= lo && c <= hi;
}

bool ha_sid_ok(const char *sid)
{
    size_t type = strspn(sid, "abcdefghijklmnopqrstuvwxyz"), n = strlen(sid);

    if (type == 0 || sid[type] != ':' || sid[type + 1] == '\0' || n > HA_SID_MAX) {
        return false;
    }
    for (const char *p = sid + type + 1; *p != '\0'; p++) {
        if (!in_range(*p, '!', '~')) { /* printable ASCII, no blank */
            return false;
        }
    }
    return true;
}

bool ha_node_ok(const char *node)
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
    size_t n = strlen(node);

    return n > 0 && n <= HA_NODE_MAX && node[0] != '-' && node[0] != '.' &&
           strspn(node, chars) == n;
}
