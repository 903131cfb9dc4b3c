/* cli_table.c - text tables as upstream's CLIFormatter print_text_table
 * draws them: rows sorted by the first column, widths in characters (the
 * title always counted), numbers right-aligned, box characters in a UTF-8
 * locale and ASCII otherwise, --noborder / --noheader, and every line cut
 * to the terminal's width when stdout is one. An empty list prints nothing
 * (print_api_result). The layout, quirks included, is an interface. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "applets/cli/cli.h"
#include "state/str.h"

/* Characters of s (UTF-8: every byte that does not continue one). */
static size_t chars(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++) {
        n += ((unsigned char)*s & 0xc0) != 0x80;
    }
    return n;
}

/* Bytes of the first n characters of s. */
static size_t prefix_bytes(const char *s, size_t n)
{
    size_t i = 0;

    while (s[i] != '\0') {
        if (((unsigned char)s[i] & 0xc0) != 0x80 && n-- == 0) {
            break;
        }
        i++;
    }
    return i;
}

/* The codeset of the locale the environment selects (LC_ALL, LC_CTYPE,
 * LANG: the first one set), as upstream's langinfo(CODESET) sees it. */
static bool utf8_locale(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};

    for (size_t i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (v == NULL || v[0] == '\0') {
            continue;
        }
        const char *dot = strchr(v, '.');
        if (dot == NULL) {
            return false;
        }
        size_t n = strcspn(dot + 1, "@");
        return (n == 5 && strncasecmp(dot + 1, "utf-8", 5) == 0) ||
               (n == 4 && strncasecmp(dot + 1, "utf8", 4) == 0);
    }
    return false;
}

/* The terminal's width when stdout is one, else 0 (no cut). */
static size_t terminal_columns(void)
{
    struct winsize ws;

    if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0) {
        return 0;
    }
    return ws.ws_col;
}

void cli_table_add(struct cli_table *t, char **row)
{
    t->cells = xrealloc(t->cells, (t->n_rows + 1) * t->n_cols * sizeof(*t->cells));
    for (size_t i = 0; i < t->n_cols; i++) {
        char *cell = row[i] ? row[i] : xstrdup("");
        if (str_has_ctl(cell)) { /* escaped before the widths are measured */
            char *e = str_escaped(cell);
            free(cell);
            cell = e;
        }
        t->cells[t->n_rows * t->n_cols + i] = cell;
    }
    t->n_rows++;
}

/* One row and its place, for a stable sort on the first column. */
struct sort_row {
    char **cells;
    size_t pos;
    bool numeric;
};

static int cmp_rows(const void *a, const void *b)
{
    const struct sort_row *x = a, *y = b;
    int d;

    if (x->numeric) {
        double p = strtod(x->cells[0], NULL), q = strtod(y->cells[0], NULL);
        d = (p > q) - (p < q);
    } else {
        d = strcmp(x->cells[0], y->cells[0]);
    }
    return d != 0 ? d : (x->pos > y->pos) - (x->pos < y->pos);
}

static void sort_rows(struct cli_table *t)
{
    struct sort_row *v = xcalloc(t->n_rows + 1, sizeof(*v));
    char **cells = xcalloc(t->n_rows * t->n_cols + 1, sizeof(*cells));

    for (size_t r = 0; r < t->n_rows; r++) {
        v[r] = (struct sort_row){&t->cells[r * t->n_cols], r, t->right && t->right[0]};
    }
    qsort(v, t->n_rows, sizeof(*v), cmp_rows);
    for (size_t r = 0; r < t->n_rows; r++) {
        memcpy(&cells[r * t->n_cols], v[r].cells, t->n_cols * sizeof(*cells));
    }
    free(t->cells);
    t->cells = cells;
    free(v);
}

/* The pieces of the border lines: the left end, the joint between two
 * columns, the right end, and the fill; per line kind. */
enum line_kind { LINE_TOP, LINE_HEAD, LINE_MID, LINE_BOTTOM };

struct border {
    const char *left, *joint, *right, *fill;
};

static const struct border utf8_lines[] = {
    [LINE_TOP] = {"┌", "┬", "┐", "─"},
    [LINE_HEAD] = {"╞", "╪", "╡", "═"},
    [LINE_MID] = {"├", "┼", "┤", "─"},
    [LINE_BOTTOM] = {"└", "┴", "┘", "─"},
};
/* ASCII: top and bottom are the middle rule; the header rule of a table of
 * one column has no closing '+' (upstream's layout). */
static const struct border ascii_lines[] = {
    [LINE_TOP] = {"+", "+", "+", "-"},
    [LINE_HEAD] = {"+", "+", "+", "="},
    [LINE_MID] = {"+", "+", "+", "-"},
    [LINE_BOTTOM] = {"+", "+", "+", "-"},
};

struct layout {
    const struct cli_table *t;
    const size_t *w;
    bool utf8, border;
    size_t columns;
};

/* Print one line, cut to the terminal's width in characters. */
static void writeln(const struct layout *l, const char *text)
{
    size_t n = l->columns ? prefix_bytes(text, l->columns) : strlen(text);

    fwrite(text, 1, n, stdout);
    putchar('\n');
}

static void border_line(const struct layout *l, enum line_kind k)
{
    const struct border *b = l->utf8 ? &utf8_lines[k] : &ascii_lines[k];
    struct strbuf sb = {0};

    for (size_t i = 0; i < l->t->n_cols; i++) {
        strbuf_add(&sb, i == 0 ? b->left : b->joint);
        for (size_t k2 = 0; k2 < l->w[i] + 2; k2++) {
            strbuf_add(&sb, b->fill);
        }
    }
    if (l->utf8 || k != LINE_HEAD || l->t->n_cols > 1) {
        strbuf_add(&sb, b->right);
    }
    writeln(l, strbuf_str(&sb));
    strbuf_free(&sb);
}

static void pad(struct strbuf *sb, size_t n)
{
    while (n-- > 0) {
        strbuf_addc(sb, ' ');
    }
}

/* One row: "│ cell " per column and "│" at the end, or without borders
 * "cell " per column and the last one as it is. */
static void row_line(const struct layout *l, const char *const *cells)
{
    const char *bar = l->utf8 ? "│" : "|";
    struct strbuf sb = {0};
    size_t n = l->t->n_cols;

    for (size_t i = 0; i < n; i++) {
        bool right = l->t->right && l->t->right[i], last = i + 1 == n;
        size_t len = chars(cells[i]), gap = l->w[i] > len ? l->w[i] - len : 0;
        if (l->border) {
            strbuf_add(&sb, bar);
            strbuf_add(&sb, " ");
        }
        if (!l->border && last) {
            strbuf_add(&sb, cells[i]);
            break;
        }
        if (right) {
            pad(&sb, gap);
        }
        strbuf_add(&sb, cells[i]);
        if (!right) {
            pad(&sb, gap);
        }
        strbuf_add(&sb, " ");
    }
    if (l->border) {
        strbuf_add(&sb, bar);
    }
    writeln(l, strbuf_str(&sb));
    strbuf_free(&sb);
}

void cli_table_free(struct cli_table *t)
{
    for (size_t i = 0; i < t->n_rows * t->n_cols; i++) {
        free(t->cells[i]);
    }
    free(t->cells);
    t->cells = NULL;
    t->n_rows = 0;
}

void cli_table_print(const struct cli *c, struct cli_table *t)
{
    const char *nb = cli_param(c, "noborder"), *nh = cli_param(c, "noheader");
    bool header = !(nh && strcmp(nh, "1") == 0);
    size_t *w = xcalloc(t->n_cols, sizeof(*w));
    struct layout l = {
        .t = t,
        .w = w,
        .utf8 = utf8_locale(),
        .border = !(nb && strcmp(nb, "1") == 0),
        .columns = terminal_columns(),
    };

    const char *quiet = cli_param(c, "quiet");
    if (t->n_rows == 0 || (quiet && strcmp(quiet, "1") == 0)) { /* print_api_result */
        free(w);
        return;
    }
    sort_rows(t);
    for (size_t i = 0; i < t->n_cols; i++) {
        w[i] = chars(t->cols[i]);
        for (size_t r = 0; r < t->n_rows; r++) {
            size_t len = chars(t->cells[r * t->n_cols + i]);
            w[i] = len > w[i] ? len : w[i];
        }
    }
    if (l.border) {
        border_line(&l, LINE_TOP);
    }
    if (header) {
        row_line(&l, t->cols);
    }
    for (size_t r = 0; r < t->n_rows; r++) {
        if (l.border && (r > 0 || header)) {
            border_line(&l, r == 0 ? LINE_HEAD : LINE_MID);
        }
        row_line(&l, (const char *const *)&t->cells[r * t->n_cols]);
    }
    if (l.border) {
        border_line(&l, LINE_BOTTOM);
    }
    free(w);
}
