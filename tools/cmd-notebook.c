/* starc notebook: export any result of the starc command as a Jupyter notebook
 * (the work is done by notebooks-export/, whose entry is nb_export()). */
#include <config.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <starc/results.h>

#include "cli.h"
#include "../notebooks-export/notebook.h"

static const char *CMD = "notebook";

static void help(void)
{
    printf("Usage: starc notebook RESULT -o OUT.ipynb [--title TEXT] [--no-render] [--table-rows N]\n"
           "                      [--format text|json]\n\n"
           "Export a result of the starc command as a Jupyter notebook (nbformat 4.5).  RESULT is\n"
           "a distance matrix (.tsv, or .json from --format json), a two-reward distance (.json or\n"
           "a file holding the number), a proxy, regularize or regret result saved as .json, a\n"
           "study directory (pairs.tsv, correlations.tsv), an overopt directory (curves.tsv,\n"
           "fits.tsv, summary.json), or a directory holding several of these (e.g. starc demo's).\n\n"
           "The notebook has a provenance cell (command, libstarc version, SHA-256 of every input),\n"
           "per result an explanation with citations and the key numbers, a cell loading the data\n"
           "with numpy and, per figure, a matplotlib cell whose stored output is the gnuplot\n"
           "rendering.  The data are copied to OUT_data/ beside the notebook.\n\n"
           "  -o, --output FILE   the notebook to write (required); data go to FILE_data/\n"
           "                      (FILE without .ipynb)\n"
           "  --title TEXT        the notebook's title (default: from RESULT's name)\n"
           "  --no-render         never run gnuplot; embed only figures already rendered\n"
           "  --table-rows N      rows shown in markdown tables (default 12)\n"
           "  --format FMT        text (default) or json report of what was written\n"
           "  -h, --help          this help\n\n"
           "gnuplot is $GNUPLOT if set, else gnuplot on $PATH; without it figures that are not\n"
           "rendered yet are left out (with a warning).\n");
}

int cmd_notebook(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"title", required_argument, NULL, 't'},
        {"no-render", no_argument, NULL, 'n'},    {"table-rows", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    nb_options o;
    nb_options_default(&o);
    const char *out = NULL;
    enum cli_format fmt = CLI_TEXT;
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 't': o.title = optarg; break;
        case 'n': o.render = 0; break;
        case 'r':
            if ((rc = cli_parse_size(CMD, "table-rows", optarg, &o.table_rows)))
                return rc;
            if (o.table_rows == 0)
                return cli_usage(CMD, "option --table-rows: must be at least 1");
            break;
        case 'f': if ((rc = cli_parse_format(CMD, optarg, &fmt))) return rc; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_bad_option(CMD, "starc notebook", c, argv);
        }
    }
    if (optind >= argc)
        return cli_usage(CMD, "missing RESULT (a result file or directory); see 'starc notebook --help'");
    if (optind + 1 < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind + 1]);
    if ((rc = cli_require(CMD, "output", out)))
        return rc;
    if (strcmp(out, "-") == 0)
        return cli_usage(CMD, "option --output: the notebook needs a file name (its data go beside it)");
    o.command = cli_command_line();
    o.cmd = CMD;

    starc_error err;
    starc_error_clear(&err);
    json_t *report = NULL;
    cli_cleanup_hold(); /* an interruption waits: the exporter keeps temporary files of its own */
    int st = nb_export(argv[optind], out, &o, &report, &err);
    cli_cleanup_release();
    if (st) /* an empty message: the tool's module that failed has said why */
        return err.message[0] ? cli_lib_error(CMD, st, &err) : cli_status_exit(st);
    json_t *w = json_object_get(report, STARC_RESULTS_NOTEBOOK_KEY_WARNINGS);
    for (size_t i = 0; i < json_array_size(w); i++)
        cli_warn(CMD, "%s", json_string_value(json_array_get(w, i)));
    if (fmt == CLI_JSON)
        return cli_json_print(report);
    json_t *secs = json_object_get(report, STARC_RESULTS_NOTEBOOK_KEY_SECTIONS);
    fputs("notebook\t", stdout), cli_escape(stdout, json_string_value(json_object_get(report, STARC_RESULTS_NOTEBOOK_KEY_NOTEBOOK)));
    fputs("\ndata\t", stdout), cli_escape(stdout, json_string_value(json_object_get(report, STARC_RESULTS_NOTEBOOK_KEY_DATA_DIR)));
    fputc('\n', stdout);
    for (size_t i = 0; i < json_array_size(secs); i++) {
        json_t *s = json_array_get(secs, i);
        printf("section\t%s\t%s\t", json_string_value(json_object_get(s, STARC_RESULTS_NOTEBOOK_KEY_KIND)),
               json_string_value(json_object_get(s, STARC_RESULTS_NOTEBOOK_KEY_ID)));
        cli_escape(stdout, json_string_value(json_object_get(s, STARC_RESULTS_NOTEBOOK_KEY_PATH)));
        fputc('\n', stdout);
    }
    json_t *sk = json_object_get(report, STARC_RESULTS_NOTEBOOK_KEY_SKIPPED);
    for (size_t i = 0; i < json_array_size(sk); i++)
        printf("skipped\t%s\n", json_string_value(json_array_get(sk, i)));
    json_decref(report);
    return EXIT_OK;
}
