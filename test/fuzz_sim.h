/* fuzz_sim.h - the scenario folder the simulator harnesses write their
 * input into (test/fuzz_scenario.c, test/fuzz_cmdlist.c), and one run of
 * the simulator on it: load, run to the end, write the runtime files. */
#ifndef HAVEN_TEST_FUZZ_SIM_H
#define HAVEN_TEST_FUZZ_SIM_H

#include "applets/sim/sim.h"
#include "test/fuzz.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_sim_dir[256], fuzz_sim_out[300];
static FILE *fuzz_sim_log;

static void fuzz_sim_clear(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[600];

    FUZZ_ASSERT(d != NULL);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

/* At exit: the folder goes (a crash leaves it, beside its input). */
static void fuzz_sim_remove(void)
{
    fuzz_sim_clear(fuzz_sim_out);
    rmdir(fuzz_sim_out);
    fuzz_sim_clear(fuzz_sim_dir);
    rmdir(fuzz_sim_dir);
}

/* An empty scenario folder (and its output folder), made once. */
static const char *fuzz_sim_folder(void)
{
    if (fuzz_sim_log == NULL) {
        const char *tmp = getenv("TMPDIR");

        snprintf(fuzz_sim_dir, sizeof(fuzz_sim_dir), "%s/haven-fuzz-XXXXXX", tmp ? tmp : "/tmp");
        FUZZ_ASSERT(mkdtemp(fuzz_sim_dir) != NULL);
        snprintf(fuzz_sim_out, sizeof(fuzz_sim_out), "%s/.out", fuzz_sim_dir);
        FUZZ_ASSERT(mkdir(fuzz_sim_out, 0700) == 0);
        fuzz_sim_log = fopen("/dev/null", "w");
        FUZZ_ASSERT(fuzz_sim_log != NULL);
        atexit(fuzz_sim_remove);
    }
    fuzz_sim_clear(fuzz_sim_dir);
    fuzz_sim_clear(fuzz_sim_out);
    return fuzz_sim_dir;
}

static void fuzz_sim_put(const char *name, const char *text, size_t len)
{
    char path[600];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", fuzz_sim_dir, name);
    f = fopen(path, "w");
    FUZZ_ASSERT(f != NULL);
    FUZZ_ASSERT(fwrite(text, 1, len, f) == len);
    FUZZ_ASSERT(fclose(f) == 0);
}

/* Load the folder and, when the loader takes it, run it as ha-tester does. */
static void fuzz_sim_run(void)
{
    char *err = NULL;
    struct sim *sim = sim_load(fuzz_sim_dir, &err);

    if (sim != NULL) {
        sim_set_output(sim, fuzz_sim_log, NULL);
        sim_run(sim);
        if (sim_write_status(sim, fuzz_sim_out, &err) != 0) {
            free(err);
            err = NULL;
        }
        free(sim_status_text(sim));
        sim_free(sim);
    }
    free(err);
}

#endif
