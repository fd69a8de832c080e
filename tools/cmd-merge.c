/* starc merge: shard directories (`--shard K/N -o DIR_K`) into the single
 * run's outputs.  The set is opened and checked by shard.c; the kind's merge
 * function, from the table below, writes the result. */
#include <config.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "overopt-batch.h"
#include "shard.h"

static const char *CMD = "merge";

/* Every kind of shard that can be merged, one line each: the manifest's kind
 * and the function that writes the merged result. */
typedef struct merge_kind {
    const char *kind;
    shard_merge_fn merge;
} merge_kind;

static const merge_kind merge_kinds[] = {
    {STARC_RESULTS_STUDY_KIND, experiment_merge},
    {STARC_RESULTS_DISTANCE_SHARD_KIND, distance_merge},
    {STARC_RESULTS_OVEROPT_SHARD_KIND, overopt_merge},
    /* @MERGE_KINDS@ more kinds here, one line each */
    {NULL, NULL},
};

static void help(void)
{
    printf("Usage: starc merge DIR... -o OUT [--format text|json] [--no-render]\n\n"
           "Merge the shards of one run, each written by `--shard K/N -o DIR_K`, into OUT: the same\n"
           "files, byte for byte, as the run without --shard writes.  Every shard 1/N ... N/N must be\n"
           "given once (in any order), finished (DIR_K/shard.json exists), and from the same version\n"
           "and settings; otherwise merge names the directory and what differs, and writes nothing.\n"
           "Kinds: starc experiment, starc distance (matrices), starc overopt --batch.\n\n"
           "  -o, --output OUT  the merged result's directory (created if needed)\n"
           "  --format FMT      text (default) or json report on stdout\n"
           "  --no-render       write the gnuplot scripts but do not run gnuplot\n"
           "  -h, --help        this help\n");
}

/* OUT must not be one of the shards (its files would be replaced while read). */
static int check_out(const char *cmd, int ndirs, char *const *dirs, const char *out)
{
    struct stat so, sd;
    if (stat(out, &so) != 0)
        return EXIT_OK;
    for (int i = 0; i < ndirs; i++)
        if (stat(dirs[i], &sd) == 0 && sd.st_dev == so.st_dev && sd.st_ino == so.st_ino)
            return cli_usage(cmd, "option --output: %s is the shard directory %s; merge into another directory", out,
                             dirs[i]);
    return EXIT_OK;
}

int shard_merge_dirs(int ndirs, char *const *dirs, const shard_merge_args *a)
{
    int rc = check_out(a->cmd, ndirs, dirs, a->out);
    if (rc)
        return rc;
    shard_set set;
    if ((rc = shard_set_open(ndirs, dirs, &set)))
        return rc;
    const merge_kind *mk = merge_kinds;
    while (mk->kind && strcmp(mk->kind, set.kind) != 0)
        mk++;
    rc = mk->kind ? mk->merge(&set, a)
                  : cli_usage(a->cmd, "%s: shards of kind '%s' cannot be merged by this version", set.dirs[0], set.kind);
    shard_set_free(&set);
    return rc;
}

enum { OPT_FORMAT = 256, OPT_NORENDER };

int cmd_merge(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"format", required_argument, NULL, OPT_FORMAT},
        {"no-render", no_argument, NULL, OPT_NORENDER}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    shard_merge_args a = {CMD, NULL, CLI_TEXT, 0};
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'o': if ((rc = cli_parse_path(CMD, "output", optarg, &a.out))) return rc; break;
        case OPT_FORMAT: if ((rc = cli_parse_format(CMD, optarg, &a.fmt))) return rc; break;
        case OPT_NORENDER: a.no_render = 1; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_bad_option(CMD, "starc merge", c, argv);
        }
    }
    if ((rc = cli_require(CMD, "output", a.out)))
        return rc;
    if (optind >= argc)
        return cli_usage(CMD, "no shard directories given; see 'starc merge --help'");
    return shard_merge_dirs(argc - optind, argv + optind, &a);
}
