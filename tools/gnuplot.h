/* The starc command's one gnuplot module: every figure script is written and
 * rendered here.
 *
 * Scripts are self-contained (data in `$NAME << EOD` datablocks, numbers as
 * fmt17.h prints them) and start with one header (gp_header/gp_begin): a
 * title and provenance comment, then
 *     if (!exists("term")) term = 'svg'
 *     if (!exists("outfile")) outfile = 'fig.svg'
 *     set terminal @term size W,H noenhanced
 *     set output outfile
 * so they run unchanged with
 *     gnuplot fig.gp                                     (default terminal)
 *     gnuplot -e "term='pngcairo'; outfile='x.png'" fig.gp
 *
 * Quoting: every string that enters a script from outside (file names,
 * reward names, titles, labels) goes through gp_string(), and every comment
 * line through gp_comment(), so no name can end a string or a comment early:
 * a script never runs a command it was not written to run.
 *
 * The gnuplot program is $GNUPLOT if set and not empty, else `gnuplot` on
 * PATH (starc(1), ENVIRONMENT). */
#ifndef STARC_GNUPLOT_H
#define STARC_GNUPLOT_H

#include <stddef.h>
#include <stdio.h>

/* The default terminal of generated scripts (deterministic output). */
#define GP_DEFAULT_TERM "svg"

/* A figure's header: gp_begin() writes "# TITLE", the notes (each line of
 * the '\n'-separated text as one comment line; NULL for none), "# Generated
 * by starc (libstarc) VERSION: COMMAND LINE", how to re-render, then the
 * terminal/output selection: `term` defaults to default_term, `outfile` to
 * default_outfile, both overridable with -e; size is the canvas in pixels.
 * Labels are noenhanced. */
typedef struct gp_figure {
    const char *title;
    const char *notes;
    const char *default_term;
    const char *default_outfile;
    int width, height;
} gp_figure;
void gp_begin(FILE *f, const gp_figure *fig);

/* gp_begin() without notes. */
void gp_header(FILE *f, const char *title, const char *default_term, const char *default_outfile,
               int width, int height);

/* The one quoting function: s as a gnuplot string expression that evaluates
 * to exactly s.  Printable text is a single-quoted literal ('' stands for a
 * quote; backslashes, backquotes, '@' and '#' are literal there); control
 * characters (newline, CR, ...) are appended as "\ooo" octal escapes with '.',
 * e.g. 'a'."\012".'b'. */
void gp_string(FILE *f, const char *s);

/* One comment line "# TEXT\n" that cannot end early: control characters are
 * written as \n, \r, \t or \ooo, and a trailing backslash (a line continuation
 * for gnuplot, even in a comment) is followed by a space. */
void gp_comment(FILE *f, const char *text);

/* One number of a datablock, as fmt17.h prints it (nan, inf, -inf). */
void gp_number(FILE *f, double x);

/* $NAME << EOD with a rows x cols row-major matrix (ld = cols), one row per line. */
void gp_datablock_matrix(FILE *f, const char *name, size_t rows, size_t cols, const double *M);

/* $NAME << EOD with a header line "# h1 h2 ..." (optional) and n rows of ncols columns. */
void gp_datablock_columns(FILE *f, const char *name, size_t n, size_t ncols, const char *const *headers,
                          const double *const *cols);

/* The gnuplot program to run ($GNUPLOT or "gnuplot"). */
const char *gp_program(void);

/* 1 if gp_program() names an executable (directly or on PATH). */
int gp_available(void);

/* "script.gp" -> "script.EXT" (malloc'd): the default output next to a script. */
char *gp_default_output(const char *script, const char *ext);

/* The runner.  Run gnuplot on the script file `script` with term and outfile
 * set by -e (quoted by gp_string), writing to a temporary file next to
 * outfile that is renamed into place on success; stdin and stdout are
 * /dev/null, gnuplot's messages are kept back.  Prints nothing: returns 0, or
 * the exit status to use (EXIT_USAGE: outfile cannot be written; EXIT_COMPUTE:
 * gnuplot is missing or failed) with a one-line reason in msg (which quotes
 * gnuplot's first complaint). */
int gp_run(const char *script, const char *term, const char *outfile, char *msg, size_t msgcap);

/* gp_run() reporting "starc CMD: ..." on stderr; returns 0 or the exit status. */
int gp_render(const char *cmd, const char *script, const char *term, const char *outfile);

/* gp_render() of a script held in memory (written to a temporary file next to
 * outfile for the run, then removed). */
int gp_render_text(const char *cmd, const char *text, const char *term, const char *outfile);

#endif
