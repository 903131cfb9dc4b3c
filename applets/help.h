/* help.h - the --help texts, kept compressed in the binary (applets/help/
 * holds them as text; dist/helpz.c compresses them at build time) and
 * expanded only when one is printed. */
#ifndef HAVEN_HELP_H
#define HAVEN_HELP_H

/* In the order the Makefile hands the texts to helpz (HELP_TEXTS). */
enum help_id {
    HELP_HAVEN,
    HELP_HA_CRM,
    HELP_HA_LRM,
    HELP_HA_MANAGER,
    HELP_HA_SIM,
    HELP_HA_TESTER,
    HELP_HA_WATCHDOG,
    HELP_HA_SIM_COMMANDS, /* ha-sim's 'help' command */
    HELP_N
};

/* The text, expanded on first use; never freed, never NULL. */
const char *help_text(enum help_id id);

/* The generated stream (build/gen/help_z.c). */
extern const unsigned short help_raw_len, help_z_len;
extern const unsigned short help_start[HELP_N];
extern const unsigned char help_z[];

#endif
