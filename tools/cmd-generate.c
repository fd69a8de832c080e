/* starc generate: dispatcher for the generators.  Minimal version on the
 * overopt branch (only `proxy`); the study branch owns the full dispatcher. */
#include <config.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_generate(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("generate", "missing what to generate (proxy); see 'starc generate proxy --help'");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        printf("Usage: starc generate proxy [OPTIONS]\n\nRun 'starc generate proxy --help' for the options.\n");
        return EXIT_OK;
    }
    if (strcmp(argv[1], "proxy") == 0)
        return cmd_generate_proxy(argc - 1, argv + 1);
    return cli_usage("generate", "'%s' is not something to generate (proxy)", argv[1]);
}
