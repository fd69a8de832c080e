/* The title, provenance and set-up cells (section-provenance.h). */
#include <config.h>
#include <stdlib.h>
#include <string.h>

#include <starc/results.h>
#include <starc/starc.h>

#include "cells.h"
#include "section-provenance.h"

static const char SETUP[] =
    "# Set-up: numpy, matplotlib and readers for the data files beside this notebook.\n"
    "import json\n"
    "\n"
    "import matplotlib.pyplot as plt\n"
    "import numpy as np\n"
    "\n"
    "DATA = ";
/* ... the data directory's name as a Python string, then: */
static const char SETUP2[] =
    "  # the data directory, relative to this notebook\n"
    "\n"
    "\n"
    "def read_tsv(path):\n"
    "    \"\"\"Columns of a tab-separated file with a header row, as a dict of numpy arrays.\n"
    "\n"
    "    Columns whose first entry is a number (nan and inf included) are float, the others str;\n"
    "    lines starting with '#' are comments.\"\"\"\n"
    "    with open(path, encoding=\"utf-8\") as f:\n"
    "        skip = 0\n"
    "        for line in f:\n"
    "            skip += 1\n"
    "            if line.strip() and not line.startswith(\"#\"):\n"
    "                break\n"
    "        header = line.rstrip(\"\\r\\n\").split(\"\\t\")\n"
    "        first = next((x for x in f if x.strip() and not x.startswith(\"#\")), None)\n"
    "    if first is None:\n"
    "        return {name: np.array([]) for name in header}\n"
    "    first = first.rstrip(\"\\r\\n\").split(\"\\t\")\n"
    "\n"
    "    def is_number(x):\n"
    "        try:\n"
    "            float(x)\n"
    "            return True\n"
    "        except ValueError:\n"
    "            return False\n"
    "\n"
    "    num = [j for j in range(len(header)) if j < len(first) and is_number(first[j])]\n"
    "    txt = [j for j in range(len(header)) if j not in num]\n"
    "    opts = dict(delimiter=\"\\t\", comments=\"#\", skiprows=skip, ndmin=2, encoding=\"utf-8\")\n"
    "    cols = {}\n"
    "    if num:\n"
    "        x = np.loadtxt(path, usecols=num, **opts)\n"
    "        cols.update((header[j], x[:, k]) for k, j in enumerate(num))\n"
    "    if txt:\n"
    "        x = np.loadtxt(path, usecols=txt, dtype=str, **opts)\n"
    "        cols.update((header[j], x[:, k]) for k, j in enumerate(txt))\n"
    "    return {name: cols[name] for name in header}\n"
    "\n"
    "\n"
    "def read_matrix(path):\n"
    "    \"\"\"Reward names and distance matrix of a `starc distance` TSV (nan = undefined).\n"
    "\n"
    "    A header row of N names, then N rows of N numbers, each optionally led by its name.\"\"\"\n"
    "    with open(path, encoding=\"utf-8\") as f:\n"
    "        rows = [line.rstrip(\"\\r\\n\").split(\"\\t\") for line in f\n"
    "                if line.strip() and not line.startswith(\"#\")]\n"
    "    n = len(rows) - 1\n"
    "    names = rows[0][len(rows[0]) - n:]\n"
    "    D = np.array([row[len(row) - n:] for row in rows[1:]], dtype=float)\n"
    "    return names, D";

/* The title: the option, else the result's name. */
static void title(nb_buf *b, const nb_exporter *x)
{
    if (x->o.title) {
        nb_buf_add(b, "# ");
        nb_buf_md(b, NB_MD_TEXT, x->o.title);
    } else {
        nb_buf_add(b, x->collection ? "# libstarc results: " : "# libstarc result: ");
        nb_buf_md(b, NB_MD_TEXT, x->result_name);
    }
    nb_buf_add(b, "\n\n");
}

/* What was exported: the number of results and, for a collection, each one. */
static void contents(nb_buf *b, const nb_exporter *x)
{
    size_t nsec = json_array_size(x->sections);
    nb_buf_printf(b, "Exported by `starc notebook` (libstarc %s) from %zu result%s", starc_version(), nsec,
                  nsec == 1 ? "" : "s");
    if (!x->collection) {
        nb_buf_add(b, ".\n\n");
        return;
    }
    nb_buf_add(b, ":\n\n");
    for (size_t i = 0; i < nsec; i++) {
        json_t *e = json_array_get(x->sections, i);
        nb_buf_add(b, "- ");
        nb_buf_md(b, NB_MD_TEXT, json_string_value(json_object_get(e, STARC_RESULTS_NOTEBOOK_KEY_PATH)));
        nb_buf_printf(b, " (%s)\n", json_string_value(json_object_get(e, STARC_RESULTS_NOTEBOOK_KEY_KIND)));
    }
    nb_buf_add(b, "\n");
}

/* The command line, as an indented code block (one line per line of it). */
static void command(nb_buf *b, const char *cmd)
{
    if (!cmd)
        return;
    nb_buf_add(b, "Command:\n\n");
    for (const char *p = cmd; *p;) {
        size_t n = strcspn(p, "\n");
        char *line = strndup(p, n);
        nb_buf_add(b, "    ");
        if (line)
            nb_buf_md(b, NB_MD_CODE_LINE, line);
        else
            b->oom = 1;
        free(line);
        nb_buf_add(b, "\n");
        p += n;
        if (*p)
            p++;
    }
    nb_buf_add(b, "\n");
}

/* Every input with its size and SHA-256, and where the data are. */
static void inputs(nb_buf *b, const nb_exporter *x)
{
    nb_buf_add(b, "Inputs:\n\n| file | bytes | SHA-256 |\n|---|---|---|\n");
    for (size_t i = 0; i < json_array_size(x->inputs); i++) {
        json_t *e = json_array_get(x->inputs, i);
        nb_buf_add(b, "| ");
        nb_buf_md(b, NB_MD_TEXT, json_string_value(json_object_get(e, STARC_RESULTS_NOTEBOOK_KEY_PATH)));
        nb_buf_printf(b, " | %" JSON_INTEGER_FORMAT " | `%s` |\n",
                      json_integer_value(json_object_get(e, STARC_RESULTS_NOTEBOOK_KEY_BYTES)),
                      json_string_value(json_object_get(e, STARC_RESULTS_NOTEBOOK_KEY_SHA256)));
    }
    nb_buf_add(b, "\nThe data are copied beside this notebook in `");
    nb_buf_md(b, NB_MD_CODE_SPAN, x->data_name);
    nb_buf_add(b, "/` (with their SHA-256 in `" STARC_RESULTS_NOTEBOOK_MANIFEST "`). Each figure cell holds the "
                  "gnuplot rendering "
                  "as its stored output, so the notebook reads without being run; running it loads the data "
                  "with numpy and redraws the figures with matplotlib.\n");
}

/* Append a cell with the text of b to cells. */
static int append(nb_exporter *x, json_t *cells, nb_cell_type type, const nb_buf *b)
{
    json_t *c = nb_buf_ok(b) ? nb_cell_new(type, nb_buf_str(b), NULL) : NULL;
    return !c || json_array_append_new(cells, c) ? nb_oom(x) : STARC_OK;
}

int nb_provenance_cells(nb_exporter *x, json_t *cells)
{
    nb_buf b;
    nb_buf_init(&b);
    title(&b, x);
    contents(&b, x);
    command(&b, x->o.command);
    inputs(&b, x);
    int st = append(x, cells, NB_CELL_MARKDOWN, &b);
    nb_buf_reset(&b);
    nb_buf_add(&b, SETUP);
    nb_buf_py(&b, NB_PY_STRING, x->data_name);
    nb_buf_add(&b, SETUP2);
    if (!st)
        st = append(x, cells, NB_CELL_CODE, &b);
    nb_buf_free(&b);
    return st;
}
