/* starc generate: minimal dispatcher on the proxy branch (only 'tomato').
 * The study branch owns the full dispatcher (mdp, reward, gridworld); the
 * lead merges the two, forwarding 'tomato' to cmd_generate_tomato(). */
#include <config.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_generate(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("generate", "needs a kind: tomato; see 'starc generate --help'");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        printf("Usage: starc generate KIND [OPTIONS]\n\nKinds:\n"
               "  tomato   the tomato-watering gridworld with a flawed proxy (see 'starc generate tomato --help')\n");
        return EXIT_OK;
    }
    if (strcmp(argv[1], "tomato") == 0)
        return cmd_generate_tomato(argc - 1, argv + 1);
    return cli_usage("generate", "'%s' is not a kind; see 'starc generate --help'", argv[1]);
}
