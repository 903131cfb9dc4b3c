/* fuzz_watchdog.c - libFuzzer harness for the client side of the
 * watchdog-mux protocol: whatever a peer on the mux's socket writes, the
 * daemons read as the greeting (wd_read_greeting over a real socket pair,
 * then wd_greeting_parse). What it accepts is exactly the line the mux
 * writes (wd_greeting_format), so a check of the timings never runs on
 * numbers the mux did not send.
 *   make fuzz FUZZ_S=60 */
#include "test/fuzz.h"
#include "watchdog/wd.h"

#include <sys/socket.h>
#include <unistd.h>

static void check_accepted(const char *line, const struct wd_greeting *g)
{
    char canon[128];
    int n = wd_greeting_format(canon, sizeof(canon), g);

    FUZZ_ASSERT(n > 0);
    /* the line, with or without its newline, is the canonical one */
    FUZZ_ASSERT(
        strcmp(line, canon) == 0 ||
        (strncmp(line, canon, (size_t)n - 1) == 0 && line[n - 1] == '\0')
    );
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = fuzz_text(data, size);
    struct wd_greeting g;
    int sv[2];

    if (wd_greeting_parse(line, &g) == 1) {
        check_accepted(line, &g);
    }
    /* the same bytes from a socket peer that then hangs up */
    if (size <= 4096 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
        if (write(sv[1], data, size) == (ssize_t)size) {
            close(sv[1]);
            sv[1] = -1;
            (void)wd_read_greeting(sv[0], 100, &g);
        }
        close(sv[0]);
        if (sv[1] >= 0) {
            close(sv[1]);
        }
    }
    free(line);
    return 0;
}
