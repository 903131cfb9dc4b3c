/* cli_check.c - the value checks of ha-manager's parameters, as upstream's
 * JSONSchema check_prop and the formats pve-ha-manager registers: resource
 * ids and names, node names, config ids, lists, integers, booleans,
 * enumerations. Messages are upstream's texts; a failed format check is
 * "invalid format - <the format's text>". Control characters are refused
 * wherever upstream's \S would let them through. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "applets/cli/cli.h"
#include "state/str.h"

#define COMMENT_MAX 4096

void cli_split_list(const char *s, struct strlist *l)
{
    const char *sep = ",; \t\r\n\v\f";

    while (*s != '\0') {
        s += strspn(s, sep);
        size_t n = strcspn(s, sep);
        if (n > 0) {
            char *item = xstrndup(s, n);
            strlist_add(l, item);
            free(item);
        }
        s += n;
    }
}

static bool is_alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static bool all_digits(const char *s)
{
    return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* pve-node: ^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$ */
bool cli_valid_node(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 63 || !is_alnum(s[0]) || !is_alnum(s[n - 1])) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_alnum(s[i]) && s[i] != '-') {
            return false;
        }
    }
    return true;
}

bool cli_valid_configid(const char *s)
{
    bool alpha = (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z');

    if (!alpha || s[1] == '\0') {
        return false;
    }
    for (const char *p = s + 1; *p; p++) {
        if (!is_alnum(*p) && *p != '_' && *p != '-') {
            return false;
        }
    }
    return true;
}

static bool valid_type(const char *s)
{
    return *s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz") == strlen(s);
}

const char *cli_verify_name(const char *type, const char *name)
{
    static const char rest[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

    if (strcmp(type, "vm") == 0 || strcmp(type, "ct") == 0) {
        bool ok = all_digits(name) && name[0] != '0' && strlen(name) >= 2;
        return ok ? NULL : "invalid VMID";
    }
    if (!is_alnum(name[0]) || strlen(name) > 64 || strspn(name, rest) != strlen(name)) {
        return "invalid resource name";
    }
    return NULL;
}

static bool has_ctl(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return true;
        }
    }
    return false;
}

/* pve-ha-resource-id ^[a-z]+:\S+$, or with a bare guest id ^\d+$ too
 * (pve-ha-resource-or-vm-id). The name is checked where a resource is
 * created (cli_verify_name), as upstream's verify_name. */
static bool sid_format_ok(const char *v, bool bare_ok)
{
    const char *colon = strchr(v, ':');

    if (bare_ok && all_digits(v)) {
        return true;
    }
    if (colon == NULL || colon == v || colon[1] == '\0' || strpbrk(v, " \t\r\n\v\f") != NULL ||
        has_ctl(v)) {
        return false;
    }
    return strspn(v, "abcdefghijklmnopqrstuvwxyz") == (size_t)(colon - v);
}

int cli_parse_bool(const char *v)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            return 1;
        }
        if (strcasecmp(v, no[i]) == 0) {
            return 0;
        }
    }
    return -1;
}

static bool in_enum(const char *values, const char *v)
{
    size_t n = strlen(v);

    for (const char *p = values; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, v, n) == 0) {
            return true;
        }
        p += len + (p[len] == ',');
    }
    return false;
}

static char *enum_error(const char *values, const char *v)
{
    struct strbuf sb = {0};

    strbuf_addf(&sb, "value '%s' does not have a value in the enumeration '", v);
    for (const char *p = values; *p; p++) {
        strbuf_add(&sb, *p == ',' ? ", " : (char[]){*p, '\0'});
    }
    strbuf_add(&sb, "'");
    return strbuf_take(&sb);
}

/* pve-ha-node: ^node(:\d+)?$ */
static bool node_prio_ok(const char *v)
{
    char *node = xstrdup(v), *prio = strchr(node, ':');

    if (prio != NULL) {
        *prio++ = '\0';
    }
    bool ok = cli_valid_node(node) && (prio == NULL || all_digits(prio));
    free(node);
    return ok;
}

/* A -list format: every element of the list must pass. */
static char *check_list(const char *v, bool nodes)
{
    struct strlist l = {0};
    char *err = NULL;

    cli_split_list(v, &l);
    for (size_t i = 0; i < l.n && err == NULL; i++) {
        if (nodes && !node_prio_ok(l.v[i])) {
            err = xstrdup("invalid format - value does not look like a valid ha node");
        } else if (!nodes && !sid_format_ok(l.v[i], false)) {
            err = xstrdup("invalid format - value does not look like a valid ha resource id");
        }
    }
    strlist_clear(&l);
    return err;
}

/* JSONSchema is_integer (^[+-]?\d+$) and the minimum 0 and the maximum
 * (o->values) compared as numbers: "+5", "007" and "-0" are fine. */
static char *check_uint(const struct cli_opt *o, const char *v)
{
    const char *digits = v + (v[0] == '+' || v[0] == '-');
    long long max = 0, n;

    if (!all_digits(digits)) {
        return xasprintf("type check ('integer') failed - got '%s'", v);
    }
    digits += strspn(digits, "0");
    if (v[0] == '-' && *digits != '\0') {
        return xstrdup("value must have a minimum value of 0");
    }
    str_to_ll(o->values, 0, LLONG_MAX, &max);
    if (*digits != '\0' && str_to_ll(digits, 0, max, &n) != STR_INT_OK) {
        return xasprintf("value must have a maximum value of %lld", max);
    }
    return NULL;
}

char *cli_normal_uint(const char *v)
{
    const char *digits = v + (v[0] == '+' || v[0] == '-');

    digits += strspn(digits, "0");
    return xstrdup(*digits ? digits : "0");
}

/* pve-configid-list: each element a pve-configid. */
static char *check_keylist(const char *v)
{
    struct strlist l = {0};
    char *err = NULL;

    cli_split_list(v, &l);
    for (size_t i = 0; i < l.n && err == NULL; i++) {
        if (!cli_valid_configid(l.v[i])) {
            err = xasprintf("invalid format - invalid configuration ID '%s'", l.v[i]);
        }
    }
    strlist_clear(&l);
    return err;
}

/* The checks that end in a fixed text; NULL when v is fine. */
static const char *check_simple(const struct cli_opt *o, const char *v)
{
    switch (o->type) {
    case T_COMMENT: /* maxLength counts characters */
        return cli_utf8_len(v) > COMMENT_MAX ? "value may only be 4096 characters long" : NULL;
    case T_DIGEST:
        return cli_utf8_len(v) > 64 ? "value may only be 64 characters long" : NULL;
    case T_SID:
        return sid_format_ok(v, true)
                   ? NULL
                   : "invalid format - value does not look like a valid ha resource id";
    case T_NODE:
        return cli_valid_node(v) ? NULL
                                 : "invalid format - value does not look like a valid node name";
    case T_TYPE:
        return valid_type(v) ? NULL
                             : "invalid format - value does not look like a valid resource type";
    default:
        return NULL;
    }
}

char *cli_check_value(const struct cli_opt *o, const char *v)
{
    if (strchr(v, '\n') != NULL || strchr(v, '\r') != NULL) {
        return xstrdup("value must not contain a line break");
    }
    switch (o->type) {
    case T_UINT:
        return check_uint(o, v);
    case T_BOOL:
        return cli_parse_bool(v) < 0 ? xasprintf("type check ('boolean') failed - got '%s'", v)
                                     : NULL;
    case T_ENUM:
        return in_enum(o->values, v) ? NULL : enum_error(o->values, v);
    case T_SIDLIST:
        return check_list(v, false);
    case T_NODELIST:
        return check_list(v, true);
    case T_CONFIGID:
        return cli_valid_configid(v)
                   ? NULL
                   : xasprintf("invalid format - invalid configuration ID '%s'", v);
    case T_KEYLIST:
        return check_keylist(v);
    default: {
        const char *msg = check_simple(o, v);
        return msg ? xstrdup(msg) : NULL;
    }
    }
}

void cli_set_node_list(const char *nodes, struct rule_node **v, size_t *n)
{
    struct strlist l = {0};

    cli_split_list(nodes, &l);
    nodes_free(*v, *n);
    *v = NULL;
    *n = 0;
    for (size_t i = 0; i < l.n; i++) {
        char *prio = strchr(l.v[i], ':');
        if (prio != NULL) {
            *prio++ = '\0';
        }
        nodes_set(v, n, l.v[i], prio ? strtoll(prio, NULL, 10) : 0);
    }
    strlist_clear(&l);
}

char *cli_check_node_list(struct cli *c, const char *nodes)
{
    struct strlist l = {0}, members = {0}, bad = {0};
    char *err = NULL;

    if (cli_members(c, &members, NULL) != 0) {
        return xstrdup("");
    }
    cli_split_list(nodes, &l);
    for (size_t i = 0; i < l.n; i++) {
        l.v[i][strcspn(l.v[i], ":")] = '\0'; /* drop the priority */
        if (!strlist_has(&members, l.v[i]) && !strlist_has(&bad, l.v[i])) {
            strlist_add(&bad, l.v[i]);
        }
    }
    if (l.n == 0) {
        err = xstrdup("no nodes were specified");
    } else if (bad.n > 0) {
        char *j = strlist_join(&bad, ", ");
        err = xasprintf("cannot use non-existent node(s) %s.", j);
        free(j);
    }
    strlist_clear(&l);
    strlist_clear(&members);
    strlist_clear(&bad);
    return err;
}
