/* cli_yaml.c - --output-format yaml, as upstream's CLIFormatter prints it
 * with YAML::XS::Dump (libyaml's emitter): a "---" document, block
 * collections indented by two (a sequence in a mapping not indented),
 * sorted keys, {} and [] when empty, ~ for null, and each string plain
 * when libyaml allows it, else single-quoted, else double-quoted with
 * escapes; a string that looks like a number, is empty or is true, false,
 * null or ~ is quoted. Long scalars are folded at blanks past column 80. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/cli/cli.h"
#include "state/str.h"

#define BEST_WIDTH 80

struct emitter {
    struct strbuf out;
    size_t column; /* in characters */
    bool whitespace; /* the last character written was a blank or a break */
    bool indention; /* nothing but indentation and "-" on this line yet */
};

static void put(struct emitter *e, const char *s, size_t n)
{
    strbuf_addn(&e->out, s, n);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            e->column = 0;
        } else if (((unsigned char)s[i] & 0xc0) != 0x80) {
            e->column++;
        }
    }
    e->whitespace = n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n');
    e->indention = false;
}

static void puts_e(struct emitter *e, const char *s)
{
    put(e, s, strlen(s));
}

/* A line break and the indentation. */
static void indent_to(struct emitter *e, size_t indent)
{
    puts_e(e, "\n");
    for (size_t i = 0; i < indent; i++) {
        puts_e(e, " ");
    }
    e->whitespace = e->indention = true;
}

/* libyaml's write_indent: a new line unless this one is still only
 * indentation up to indent; then blanks up to it. */
static void write_indent(struct emitter *e, size_t indent)
{
    if (!e->indention || e->column > indent || (e->column == indent && !e->whitespace)) {
        indent_to(e, indent);
        return;
    }
    while (e->column < indent) {
        put(e, " ", 1);
    }
    e->whitespace = e->indention = true;
}

/* The code point at s (its length in *len); invalid UTF-8 is one byte,
 * returned above 0x10ffff so that it counts as not printable. */
static unsigned long code_point(const unsigned char *s, size_t *len)
{
    static const unsigned char lens[] = {2, 2, 3, 4};
    unsigned long cp;
    size_t n;

    if (s[0] < 0x80) {
        *len = 1;
        return s[0];
    }
    if (s[0] < 0xc2 || s[0] > 0xf4) {
        *len = 1;
        return 0x110000;
    }
    n = lens[(s[0] >> 4) & 3];
    cp = s[0] & (0x3f >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *len = 1;
            return 0x110000;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    *len = n;
    return cp;
}

/* libyaml's IS_PRINTABLE (with unicode output on). */
static bool printable(unsigned long c)
{
    return c == 0x0a || (c >= 0x20 && c <= 0x7e) || c == 0x85 || (c >= 0xa0 && c <= 0xd7ff) ||
           (c >= 0xe000 && c <= 0xfffd && c != 0xfeff) || (c >= 0x10000 && c <= 0x10ffff);
}

enum style { PLAIN, SINGLE, DOUBLE };

static bool blank_or_end(const char *s)
{
    return *s == '\0' || *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';
}

/* YAML::XS: strings that would read back as something else are quoted. */
static bool needs_quotes(const char *s)
{
    static const char *const special[] = {"~", "true", "false", "null"};
    double d;

    for (size_t i = 0; i < 4; i++) {
        if (strcmp(s, special[i]) == 0) {
            return true;
        }
    }
    /* Perl's looks_like_number, near enough: a decimal, signs and blanks
     * around it included, or Inf/NaN. */
    const char *t = s + strspn(s, " \t\n\r\f");
    char *end = NULL;
    d = strtod(t, &end);
    (void)d;
    bool hex = strchr(t, 'x') != NULL || strchr(t, 'X') != NULL;
    return *s == '\0' || (end != t && !hex && end[strspn(end, " \t\n\r\f")] == '\0');
}

/* yaml_emitter_analyze_scalar and select_scalar_style for a block value. */
static enum style choose(const char *s, bool simple_key)
{
    bool flow_ind = false, block_ind = false, special = false, line_breaks = false;
    bool leading_space = s[0] == ' ', trailing_space = false, space_break = false;
    size_t n = strlen(s);

    if (needs_quotes(s)) {
        return SINGLE;
    }
    if (strncmp(s, "---", 3) == 0 || strncmp(s, "...", 3) == 0) {
        flow_ind = block_ind = true;
    }
    for (size_t i = 0; i < n;) {
        size_t len;
        unsigned long c = code_point((const unsigned char *)s + i, &len);
        bool first = i == 0, followed = blank_or_end(s + i + len);
        bool preceded = i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '\n');
        bool ascii = c != 0 && c < 0x80; /* strchr would truncate c */
        if (first && ascii && strchr("#,[]{}&*!|>'\"%@`", (int)c) != NULL) {
            flow_ind = block_ind = true;
        }
        if (first && (c == '?' || c == ':')) {
            flow_ind = true;
            block_ind |= followed;
        }
        if (first && c == '-' && followed) {
            flow_ind = block_ind = true;
        }
        if (!first && ascii && strchr(",?[]{}", (int)c) != NULL) {
            flow_ind = true;
        }
        if (!first && c == ':') {
            flow_ind = true;
            block_ind |= followed;
        }
        if (c == '#' && preceded) {
            flow_ind = block_ind = true;
        }
        if (!printable(c) || c == 0xfeff) {
            special = true;
        }
        if (c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029) {
            line_breaks = true;
            space_break |= i > 0 && s[i - 1] == ' ';
        }
        trailing_space = c == ' ' && i + len == n;
        i += len;
    }
    if (special || space_break) {
        return DOUBLE;
    }
    bool plain = !(leading_space || trailing_space || line_breaks || block_ind);
    (void)flow_ind;
    if (plain && !(simple_key && n > 128)) {
        return PLAIN;
    }
    return line_breaks && simple_key ? DOUBLE : SINGLE;
}

/* Plain or single-quoted text, folded at a blank once past the width
 * (never in a key). */
static void write_folded(struct emitter *e, const char *s, size_t indent, bool breaks, bool single)
{
    bool spaces = false;
    size_t n = strlen(s);

    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') {
            bool inner = !single || (i > 0 && i + 1 < n);
            if (breaks && !spaces && e->column > BEST_WIDTH && inner && s[i + 1] != ' ') {
                indent_to(e, indent);
            } else {
                put(e, " ", 1);
            }
            spaces = true;
            continue;
        }
        if (single && s[i] == '\'') {
            put(e, "'", 1);
        }
        put(e, s + i, 1);
        spaces = false;
    }
}

static const char esc_from[] = "\0\a\b\t\n\v\f\r\x1b\"\\";
static const char esc_to[] = "0abtnvfre\"\\";

/* The short escape letter of a code point ("\n", "\N", ...), or 0. */
static char short_escape(unsigned long c)
{
    const char *hit = c < 0x80 && c != 0 ? strchr(esc_from + 1, (int)c) : NULL;

    switch (c) {
    case 0x85:
        return 'N';
    case 0xa0:
        return '_';
    case 0x2028:
        return 'L';
    case 0x2029:
        return 'P';
    default:
        break;
    }
    if (hit == NULL) {
        return '\0';
    }
    return esc_to[hit - esc_from];
}

/* Whether a code point is written escaped inside double quotes. */
static bool double_escaped(unsigned long c)
{
    bool listed = c < 0x80 && c != 0 && strchr(esc_from + 1, (int)c) != NULL;

    return listed || !printable(c) || c == 0xfeff || c == 0x85 || c == 0x2028 || c == 0x2029 ||
           c == '\n';
}

/* The escape of code point c, whose first byte is first: a letter, else
 * \x, \u or \U with its hex value (\x of the byte when it is no code point). */
static void put_escape(struct emitter *e, unsigned long c, unsigned char first)
{
    char buf[16];
    char letter = short_escape(c);

    if (letter != '\0') {
        snprintf(buf, sizeof(buf), "\\%c", letter);
    } else if (c > 0x10ffff) {
        snprintf(buf, sizeof(buf), "\\x%02X", first);
    } else {
        snprintf(
            buf, sizeof(buf),
            c <= 0xff     ? "\\x%02lX"
            : c <= 0xffff ? "\\u%04lX"
                          : "\\U%08lX",
            c
        );
    }
    puts_e(e, buf);
}

static void write_double(struct emitter *e, const char *s, size_t indent, bool breaks)
{
    bool spaces = false;
    size_t n = strlen(s);

    put(e, "\"", 1);
    for (size_t i = 0; i < n;) {
        size_t len;
        unsigned long c = code_point((const unsigned char *)s + i, &len);
        if (double_escaped(c)) {
            put_escape(e, c, (unsigned char)s[i]);
            spaces = false;
        } else if (c == ' ' && breaks && !spaces && e->column > BEST_WIDTH && i > 0 && i + 1 < n) {
            /* a line break here; a blank after it is kept by a "\" */
            indent_to(e, indent);
            if (s[i + 1] == ' ') {
                put(e, "\\", 1);
            }
            spaces = true;
        } else if (c == ' ') {
            put(e, " ", 1);
            spaces = true;
        } else {
            put(e, s + i, len);
            spaces = false;
        }
        i += len;
    }
    put(e, "\"", 1);
}

/* A scalar after "key:" or "- " (a blank first) or as a key. */
static void scalar(struct emitter *e, const char *s, size_t indent, bool key)
{
    enum style st = choose(s, key);

    if (!e->whitespace) {
        put(e, " ", 1);
    }
    if (st == PLAIN) {
        write_folded(e, s, indent, !key, false);
    } else if (st == SINGLE) {
        put(e, "'", 1);
        write_folded(e, s, indent, !key, true);
        put(e, "'", 1);
    } else {
        write_double(e, s, indent, !key);
    }
}

static void number(struct emitter *e, double d)
{
    char buf[64];

    if (!isfinite(d)) {
        snprintf(buf, sizeof(buf), "%s", isnan(d) ? ".nan" : d > 0 ? ".inf" : "-.inf");
    } else if (d == floor(d) && fabs(d) < 9e15) {
        snprintf(buf, sizeof(buf), "%lld", (long long)d);
    } else {
        snprintf(buf, sizeof(buf), "%.15g", d);
    }
    if (!e->whitespace) {
        put(e, " ", 1);
    }
    puts_e(e, buf);
}

/* A value that is no non-empty collection, after its key or "-": a
 * scalar after a blank (folded at indent + 2), an empty collection as {}
 * or []. */
static void leaf(struct emitter *e, const cJSON *v, size_t indent)
{
    bool coll = cJSON_IsObject(v) || cJSON_IsArray(v);

    if (!e->whitespace) {
        put(e, " ", 1);
    }
    if (coll) {
        puts_e(e, cJSON_IsObject(v) ? "{}" : "[]");
    } else if (cJSON_IsString(v)) {
        scalar(e, v->valuestring, indent + 2, false);
    } else if (cJSON_IsNumber(v)) {
        number(e, v->valuedouble);
    } else if (cJSON_IsTrue(v) || cJSON_IsFalse(v)) {
        puts_e(e, cJSON_IsTrue(v) ? "true" : "false");
    } else {
        puts_e(e, "~");
    }
}

static bool nonempty_coll(const cJSON *v)
{
    return (cJSON_IsObject(v) || cJSON_IsArray(v)) && cJSON_GetArraySize(v) > 0;
}

/* A block mapping or sequence being written, whose entries are at indent. */
struct yaml_frame {
    const cJSON **kids;
    size_t n, next, indent;
    bool obj;
};

static void
yaml_push(struct yaml_frame **st, size_t *depth, size_t *cap, const cJSON *v, size_t indent)
{
    if (*depth == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *st = xrealloc(*st, *cap * sizeof(**st));
    }
    struct yaml_frame *f = &(*st)[(*depth)++];
    f->kids = cli_json_children(v, &f->n);
    f->next = 0;
    f->indent = indent;
    f->obj = cJSON_IsObject(v);
}

/* The block collection v at indent, depth first with an explicit stack (a
 * store value may nest deeply): each entry's key or "-", then its value,
 * a nested mapping indented by two, a sequence under a key not indented
 * (libyaml's indentless sequence). */
static void block(struct emitter *e, const cJSON *v)
{
    struct yaml_frame *st = NULL;
    size_t depth = 0, cap = 0;

    yaml_push(&st, &depth, &cap, v, 0);
    while (depth > 0) {
        struct yaml_frame *f = &st[depth - 1];
        if (f->next == f->n) {
            free(f->kids);
            depth--;
            continue;
        }
        const cJSON *kid = f->kids[f->next++];
        size_t indent = f->indent;
        write_indent(e, indent);
        if (f->obj) {
            scalar(e, kid->string, indent, true);
            put(e, ":", 1);
        } else {
            put(e, "-", 1);
            e->indention = true; /* "-" counts as indentation */
        }
        if (nonempty_coll(kid)) {
            bool indentless = f->obj && cJSON_IsArray(kid);
            yaml_push(&st, &depth, &cap, kid, indentless ? indent : indent + 2);
        } else {
            leaf(e, kid, indent);
        }
    }
    free(st);
}

void cli_yaml_print(const cJSON *v)
{
    struct emitter e = {0};

    puts_e(&e, "---");
    if (nonempty_coll(v)) {
        block(&e, v);
    } else {
        leaf(&e, v, 0);
    }
    puts_e(&e, "\n");
    fwrite(strbuf_str(&e.out), 1, e.out.len, stdout);
    strbuf_free(&e.out);
}
