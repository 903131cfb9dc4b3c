/* test_metrics.c - the Prometheus exposition writer and the request parser
 * of the metrics endpoint (applets/daemon/metrics_text.c, http_req.c). */
#include "applets/daemon/http_req.c"
#include "applets/daemon/metrics_text.c"
#include "test/test.h"

static void test_family_and_samples(void)
{
    struct strbuf sb = {0};
    struct mt_label l[] = {{"daemon", "crm"}, {"node", "node1"}};

    mt_family(&sb, "haven_x", "gauge", "A \\ test\nhelp.");
    mt_sample(&sb, "haven_x", l, 2, 3);
    mt_sample(&sb, "haven_x", NULL, 0, 0.25);
    CHECK_STR(
        strbuf_str(&sb),
        "# HELP haven_x A \\\\ test\\nhelp.\n# TYPE haven_x gauge\n"
        "haven_x{daemon=\"crm\",node=\"node1\"} 3\nhaven_x 0.25\n"
    );
    strbuf_free(&sb);
}

static void test_label_escaping(void)
{
    struct strbuf sb = {0};
    struct mt_label l[] = {{"node", "a\"b\\c\nd\001e"}};

    mt_sample(&sb, "m", l, 1, 1);
    /* quotes, backslashes and newlines as the format says; other control characters as \xHH */
    CHECK_STR(strbuf_str(&sb), "m{node=\"a\\\"b\\\\c\\nd\\\\x01e\"} 1\n");
    strbuf_free(&sb);
}

static void test_special_values(void)
{
    struct strbuf sb = {0};

    mt_sample(&sb, "a", NULL, 0, 1.0 / 0.0);
    mt_sample(&sb, "b", NULL, 0, 0.0 / 0.0);
    mt_sample(&sb, "c", NULL, 0, 1e20);
    CHECK_STR(strbuf_str(&sb), "a +Inf\nb NaN\nc 1e+20\n");
    strbuf_free(&sb);
}

static void test_histogram(void)
{
    static const double b[] = {0.1, 1};
    struct mt_hist h = {b, 2, {0}, 0, 0};
    struct mt_label l[] = {{"daemon", "lrm"}};
    struct strbuf sb = {0};

    mt_hist_observe(&h, 0.05);
    mt_hist_observe(&h, 0.1); /* on the bound: in that bucket */
    mt_hist_observe(&h, 0.5);
    mt_hist_observe(&h, 7);
    mt_hist_write(&sb, "d", l, 1, &h);
    CHECK_STR(
        strbuf_str(&sb),
        "d_bucket{daemon=\"lrm\",le=\"0.1\"} 2\nd_bucket{daemon=\"lrm\",le=\"1\"} 3\n"
        "d_bucket{daemon=\"lrm\",le=\"+Inf\"} 4\nd_sum{daemon=\"lrm\"} 7.65\n"
        "d_count{daemon=\"lrm\"} 4\n"
    );
    strbuf_free(&sb);
}

static enum http_parse parse(const char *s, struct http_req *r)
{
    return http_parse(s, strlen(s), r);
}

static void test_parse_good(void)
{
    struct http_req r;

    CHECK_INT(parse("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n", &r), HTTP_COMPLETE);
    CHECK_STR(r.method, "GET");
    CHECK_STR(r.path, "/metrics");
    CHECK_INT(http_route(&r), 200);
    CHECK_INT(parse("GET /metrics?x=1 HTTP/1.0\n\n", &r), HTTP_COMPLETE);
    CHECK_INT(http_route(&r), 200);
    CHECK_INT(parse("POST /metrics HTTP/1.1\r\n\r\n", &r), HTTP_COMPLETE);
    CHECK_INT(http_route(&r), 405);
    CHECK_INT(parse("GET /metricsx HTTP/1.1\r\n\r\n", &r), HTTP_COMPLETE);
    CHECK_INT(http_route(&r), 404);
    CHECK_INT(parse("HEAD / HTTP/1.1\r\n\r\n", &r), HTTP_COMPLETE);
    CHECK_INT(http_route(&r), 404);
}

static void test_parse_incomplete(void)
{
    struct http_req r;

    CHECK_INT(parse("", &r), HTTP_INCOMPLETE);
    CHECK_INT(parse("GET /metrics HTTP/1.1\r\n", &r), HTTP_INCOMPLETE);
    CHECK_INT(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r", &r), HTTP_INCOMPLETE);
}

static void test_parse_bad(void)
{
    static const char *const bad[] = {
        "\r\n\r\n",
        "hello\r\n\r\n",
        "GET\r\n\r\n",
        "GET /metrics\r\n\r\n",
        "get /metrics HTTP/1.1\r\n\r\n",
        "GET metrics HTTP/1.1\r\n\r\n",
        "GET  /metrics HTTP/1.1\r\n\r\n",
        "GET /metrics HTTP/2.0\r\n\r\n",
        "GET /metrics HTTP/1.1 \r\n\r\n",
        "GET /met\001rics HTTP/1.1\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nno colon\r\n\r\n",
        "GET /metrics HTTP/1.1\r\n folded: x\r\n\r\n",
        "GET /metrics HTTP/1.1\r\n: empty name\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nX: \x80\r\n\r\n",
        "VERYLONGMETHODNAME /metrics HTTP/1.1\r\n\r\n",
    };
    struct http_req r;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], &r) != HTTP_BAD) {
            fprintf(stderr, "accepted: %s\n", bad[i]);
            CHECK(0);
        }
    }
    CHECK_INT(http_parse("GET / HTTP/1.1\r\n\0\r\n\r\n", 22, &r), HTTP_BAD);
}

static void test_parse_size_bound(void)
{
    static char big[HTTP_REQ_MAX + 64];
    struct http_req r;
    size_t n;

    /* no end of head within the bound: bad, however the bytes come */
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
    CHECK_INT(http_parse(big, HTTP_REQ_MAX - 1, &r), HTTP_INCOMPLETE);
    CHECK_INT(http_parse(big, HTTP_REQ_MAX, &r), HTTP_BAD);
    /* a head that ends past the bound */
    n = HTTP_REQ_MAX + 10;
    memcpy(big + n - 4, "\r\n\r\n", 4);
    CHECK_INT(http_parse(big, n, &r), HTTP_BAD);
    /* a long path is kept cut, and is no route */
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET /", 5);
    memcpy(big + 1000, " HTTP/1.1\r\n\r\n", 13);
    CHECK_INT(http_parse(big, 1013, &r), HTTP_COMPLETE);
    CHECK_INT(http_route(&r), 404);
}

int main(void)
{
    RUN(test_family_and_samples);
    RUN(test_label_escaping);
    RUN(test_special_values);
    RUN(test_histogram);
    RUN(test_parse_good);
    RUN(test_parse_incomplete);
    RUN(test_parse_bad);
    RUN(test_parse_size_bound);
    return test_summary();
}
