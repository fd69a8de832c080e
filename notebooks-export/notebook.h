/** @file notebook.h
 *  @brief Jupyter notebook export of the results the `starc` command writes.
 *
 *  nb_export() turns a result (a file or a directory written by `starc
 *  distance`, `experiment`, `proxy`, `regularize`, `regret` or `overopt`, or
 *  a directory holding several of them, such as `starc demo`'s) into one
 *  nbformat 4.5 notebook plus a data directory beside it:
 *
 *  - `OUT.ipynb`: a provenance cell (command, libstarc version, SHA-256 of
 *    every input), a set-up cell (numpy, matplotlib, small TSV readers), and
 *    per result a markdown cell explaining the quantities with citations and
 *    the key numbers, a code cell loading the data with numpy, and, per
 *    figure, a matplotlib cell that redraws it whose stored output is the
 *    gnuplot rendering (`image/svg+xml` and/or base64 `image/png`, with a
 *    `text/plain` fallback), so the notebook reads without being run.
 *  - `OUT_data/` (OUT without `.ipynb`): one subdirectory per result with
 *    byte-for-byte copies of its data files, scripts and figures, and
 *    `MANIFEST.sha256` (`sha256sum -c` format) listing every data file.
 *
 *  The output is deterministic: the same inputs and options give the same
 *  bytes (cell ids derive from the cell's index and content; no timestamps).
 *  JSON is written with jansson in nbformat's own layout (indent 1, sorted
 *  keys).  Both outputs appear atomically: they are built under temporary
 *  names and renamed into place, and a failure leaves nothing behind.
 *
 *  This code belongs to the `starc` tool, not to libstarc (it needs jansson
 *  and nettle, and the tool's own modules: tools/gnuplot.h renders figures,
 *  tools/cli.h writes the notebook atomically).  It never exits; it prints
 *  only what those modules print when they fail (one `starc CMD: ...` line:
 *  a gnuplot that fails on a figure, which is then also a warning, or a
 *  notebook that cannot be written, which is then an error whose
 *  err->message is empty because it has been reported).
 *
 *  The files of notebooks-export/ are listed, with what each owns, in its
 *  README.md.
 */
#ifndef STARC_NOTEBOOK_H
#define STARC_NOTEBOOK_H

#include <stddef.h>
#include <jansson.h>
#include <starc/error.h>

/** @brief Options of nb_export(); initialise with nb_options_default(). */
typedef struct nb_options {
    /** Run gnuplot on a result's `.gp` script when no rendered figure is
     *  beside it (default 1).  The rendering goes into the data directory. */
    int render;
    /** The subcommand named in what the tool's modules print, `starc CMD: ...`
     *  (default "notebook").  gnuplot is the program tools/gnuplot.h's
     *  gp_program() names; when it is not found, figures are not rendered
     *  (a warning). */
    const char *cmd;
    /** The command line recorded as provenance (NULL: not recorded). */
    const char *command;
    /** Notebook title (NULL: derived from the result's name). */
    const char *title;
    /** Most rows shown in a markdown table (default 12); the data cells hold everything. */
    size_t table_rows;
    /** An SVG larger than this many bytes is embedded only when no PNG exists,
     *  and gnuplot renders PNG instead of SVG past it (default 1 MiB). */
    size_t svg_max_bytes;
} nb_options;

/** @brief Set @p o to the defaults documented in ::nb_options. */
void nb_options_default(nb_options *o);

/** @brief Export @p result (file or directory) as the notebook @p out.
 *
 *  @param result  a result file (.tsv distance matrix, .json result, a file
 *                 holding one number) or a result directory, or a directory
 *                 of results (searched up to 4 levels deep, in name order)
 *  @param out     the notebook path; its data directory is @p out without a
 *                 trailing `.ipynb`, plus `_data`.  An existing data
 *                 directory is replaced only if it holds `MANIFEST.sha256`
 *                 (i.e. an earlier export wrote it).
 *  @param o       options (NULL: defaults)
 *  @param report  if non-NULL, receives a new JSON object (caller owns it):
 *                 `notebook`, `data_dir`, `sections` [{`id`, `kind`, `path`,
 *                 `figures` (figure cells)}], `inputs` [{`path`, `bytes`, `sha256`}],
 *                 `skipped` [paths in a directory that are no result],
 *                 `warnings` [strings, e.g. a gnuplot failure]
 *  @return ::STARC_OK; ::STARC_EINVAL when @p result is no recognisable
 *          result or @p out's data directory belongs to something else;
 *          ::STARC_EFORMAT for a malformed result file; ::STARC_EIO;
 *          ::STARC_ENOMEM.  @p err names the file; an empty message means
 *          the failure has been reported on stderr already (see above).
 */
int nb_export(const char *result, const char *out, const nb_options *o, json_t **report, starc_error *err);

#endif
