/* starc generate: dispatch on the kind of thing to generate.
 * TEMPORARY minimal dispatcher from the distance branch: it only knows
 * `gridworld` (tools/cmd-generate-gridworld.c); the study branch's
 * dispatcher adds `mdp` and `reward` and replaces this file on merge. */
#include <config.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_generate(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("generate", "missing kind; see 'starc generate --help'");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        printf("Usage: starc generate KIND [OPTIONS]\n\n"
               "Kinds:\n"
               "  gridworld   the EPIC paper's 3x3 gridworld and its named rewards\n\n"
               "Run 'starc generate KIND --help' for a kind's options.\n");
        return EXIT_OK;
    }
    if (strcmp(argv[1], "gridworld") == 0)
        return cmd_generate_gridworld(argc - 1, argv + 1);
    return cli_usage("generate", "unknown kind '%s'", argv[1]);
}
