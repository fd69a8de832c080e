/* starc generate: minimal dispatcher on the proxy and overopt branches (tomato,
 * proxy).  The study branch owns the full dispatcher (mdp, reward, gridworld); the
 * lead merges them, forwarding 'tomato' to cmd_generate_tomato() and 'proxy' to
 * cmd_generate_proxy(). */
#include <config.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_generate(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("generate", "needs a kind: tomato, proxy; see 'starc generate --help'");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        printf("Usage: starc generate KIND [OPTIONS]\n\nKinds:\n"
               "  tomato   the tomato-watering gridworld with a flawed proxy (see 'starc generate tomato --help')\n"
               "  proxy    a proxy reward that overoptimises (see 'starc generate proxy --help')\n");
        return EXIT_OK;
    }
    if (strcmp(argv[1], "tomato") == 0)
        return cmd_generate_tomato(argc - 1, argv + 1);
    if (strcmp(argv[1], "proxy") == 0)
        return cmd_generate_proxy(argc - 1, argv + 1);
    return cli_usage("generate", "'%s' is not a kind; see 'starc generate --help'", argv[1]);
}
