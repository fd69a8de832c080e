/* The notebook exporter behind `starc notebook` (see notebook.h).
 *
 * Flow: find the results under the argument (detect.c-like logic below),
 * give each a section with its own subdirectory of a temporary data
 * directory, copy its files there (hashing them on the way), render missing
 * gnuplot figures, and build the cells.  The notebook JSON is assembled with
 * jansson and written in nbformat's canonical layout; finally the data
 * directory and the notebook are renamed into place. */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <starc/overopt.h>
#include <starc/results.h>
#include <starc/study.h>

#include "notebook.h"
#include "nbio.h"

#define NB_MAX_DEPTH 4
/* Files that are parsed or embedded are read whole; larger ones are refused. */
#define NB_SMALL_MAX ((size_t)256 << 20)

void nb_options_default(nb_options *o)
{
    o->render = 1;
    o->gnuplot = NULL;
    o->command = NULL;
    o->title = NULL;
    o->table_rows = 12;
    o->svg_max_bytes = (size_t)1 << 20;
}

/* ---- state ---------------------------------------------------------------- */

typedef struct exporter {
    nb_options o;
    starc_error *err;
    const char *result;  /* the argument */
    char *result_name;   /* its base name: input paths are shown under it */
    char *data_tmp;      /* temporary data directory */
    char *data_name;     /* final base name of the data directory */
    json_t *cells;       /* the sections' cells, in order */
    json_t *inputs;      /* provenance: [{path, bytes, sha256}] */
    json_t *manifest;    /* data-relative path -> sha256 */
    json_t *sections, *skipped, *warnings;
    json_t *ids;         /* section ids in use */
    int collection;      /* the argument is a directory of results */
    int gp_state;        /* 0 not looked up, 1 found, -1 absent */
    char *gp_prog;
} exporter;

typedef struct section {
    exporter *x;
    const char *kind;
    char *src;    /* the result on disk (file or directory) */
    char *shown;  /* the result's path as shown to the reader */
    char *id;     /* subdirectory of the data directory */
    char *dir;    /* data_tmp/id */
    int figures;
} section;

typedef struct fig {
    char *stem;
    char *gp, *svg, *png;          /* file names in the section directory */
    char *gp_text;
    char *svg_data, *png_data;
    size_t svg_len, png_len;
    int rendered;
} fig;

static int oom(exporter *x)
{
    return nb_fail(x->err, STARC_ENOMEM, "out of memory");
}

static json_t *jstr(const char *s);
static void warn(exporter *x, const char *fmt, ...) NB_PRINTF(2, 3);
static void warn(exporter *x, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_array_append_new(x->warnings, jstr(msg));
}

/* ---- JSON helpers ----------------------------------------------------------- */

/* A JSON string from bytes that should be UTF-8; invalid bytes become U+FFFD. */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s);
    if (j)
        return j;
    nb_buf b;
    nb_buf_init(&b);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = 0;
        if (*p < 0x80) n = 1;
        else if ((*p & 0xE0) == 0xC0) n = 2;
        else if ((*p & 0xF0) == 0xE0) n = 3;
        else if ((*p & 0xF8) == 0xF0) n = 4;
        int ok = n > 0;
        for (size_t i = 1; ok && i < n; i++)
            ok = (p[i] & 0xC0) == 0x80;
        if (ok) {
            json_t *t = json_stringn((const char *)p, n);
            ok = t != NULL;
            json_decref(t);
        }
        if (ok) {
            nb_buf_addn(&b, (const char *)p, n);
            p += n;
        } else {
            nb_buf_add(&b, "\xEF\xBF\xBD");
            p++;
        }
    }
    j = nb_buf_ok(&b) ? json_string(b.s ? b.s : "") : NULL;
    nb_buf_free(&b);
    return j;
}

/* nbformat's multiline string: a list of lines, each keeping its "\n". */
static json_t *jlines(const char *text)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
        char *line = strndup(p, n);
        json_t *s = line ? jstr(line) : NULL;
        free(line);
        if (!s || json_array_append_new(a, s)) {
            json_decref(a);
            return NULL;
        }
        p += n;
    }
    return a;
}

/* Append a cell: type "markdown" or "code"; outputs (stolen) only for code. */
static int add_cell(exporter *x, json_t *cells, const char *type, const nb_buf *src, json_t *outputs)
{
    if (!nb_buf_ok(src)) {
        json_decref(outputs);
        return oom(x);
    }
    json_t *c = json_object();
    json_t *lines = jlines(src->s ? src->s : "");
    if (!c || !lines) {
        json_decref(c);
        json_decref(lines);
        json_decref(outputs);
        return oom(x);
    }
    json_object_set_new(c, "cell_type", json_string(type));
    json_object_set_new(c, "metadata", json_object());
    json_object_set_new(c, "source", lines);
    if (strcmp(type, "code") == 0) {
        json_object_set_new(c, "execution_count", json_null());
        json_object_set_new(c, "outputs", outputs ? outputs : json_array());
    } else {
        json_decref(outputs);
    }
    return json_array_append_new(cells, c) ? oom(x) : STARC_OK;
}

static int md_cell(section *s, const nb_buf *b)
{
    return add_cell(s->x, s->x->cells, "markdown", b, NULL);
}

static int code_cell(section *s, const nb_buf *b, json_t *outputs)
{
    return add_cell(s->x, s->x->cells, "code", b, outputs);
}

/* ---- names ------------------------------------------------------------------ */

/* A file or directory name that is safe everywhere: [A-Za-z0-9._-], not hidden. */
static char *safe_name(const char *s)
{
    size_t n = strlen(s);
    char *o = malloc(n + 2);
    if (!o)
        return NULL;
    size_t k = 0;
    if (s[0] == '.' || s[0] == '-' || n == 0)
        o[k++] = '_';
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                 c == '_' || c == '-';
        o[k++] = ok ? c : '_';
    }
    o[k] = '\0';
    return o;
}

static char *strip_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && dot != name ? strndup(name, (size_t)(dot - name)) : strdup(name);
}

static const char *ext_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && dot != name ? dot : "";
}

/* ---- sections and files ----------------------------------------------------- */

static void section_free(section *s)
{
    free(s->src);
    free(s->shown);
    free(s->id);
    free(s->dir);
}

/* Finish a section: on success list it in the report; free it either way. */
static int section_end(section *s, int st)
{
    if (!st && s->id) {
        json_t *e = json_object();
        json_object_set_new(e, STARC_RESULTS_NOTEBOOK_KEY_ID, json_string(s->id));
        json_object_set_new(e, STARC_RESULTS_NOTEBOOK_KEY_KIND, json_string(s->kind));
        json_object_set_new(e, STARC_RESULTS_NOTEBOOK_KEY_PATH, jstr(s->shown));
        json_object_set_new(e, STARC_RESULTS_NOTEBOOK_KEY_FIGURES, json_integer(s->figures));
        if (json_array_append_new(s->x->sections, e))
            st = oom(s->x);
    }
    section_free(s);
    return st;
}

/* Start a section for the result at src ("sub" is its path below the argument,
 * "" for the argument itself). */
static int section_begin(exporter *x, section *s, const char *kind, const char *src, const char *sub)
{
    memset(s, 0, sizeof *s);
    s->x = x;
    s->kind = kind;
    s->src = strdup(src);
    s->shown = *sub ? nb_join(x->result_name, sub) : strdup(x->result_name);
    char *base = NULL;
    if (*sub) {
        char *flat = strdup(sub);
        if (flat)
            for (char *p = flat; *p; p++)
                if (*p == '/')
                    *p = '-';
        base = flat && !nb_is_dir(src) ? strip_ext(flat) : (flat ? strdup(flat) : NULL);
        free(flat);
    } else {
        base = nb_is_dir(src) ? strdup(x->result_name) : strip_ext(x->result_name);
    }
    char *id = base ? safe_name(base) : NULL;
    free(base);
    if (!s->src || !s->shown || !id) {
        free(id);
        return oom(x);
    }
    if (strcmp(id, "_") == 0 || strcmp(id, "_.") == 0 || strcmp(id, "_..") == 0) {
        free(id);
        id = strdup(kind);
        if (!id)
            return oom(x);
    }
    /* unique ids: id, id-2, id-3, ... */
    size_t len = strlen(id) + 24;
    s->id = malloc(len);
    if (!s->id) {
        free(id);
        return oom(x);
    }
    snprintf(s->id, len, "%s", id);
    for (unsigned k = 2; json_object_get(x->ids, s->id); k++)
        snprintf(s->id, len, "%s-%u", id, k);
    free(id);
    json_object_set_new(x->ids, s->id, json_true());
    s->dir = nb_join(x->data_tmp, s->id);
    if (!s->dir)
        return oom(x);
    if (mkdir(s->dir, 0755) != 0)
        return nb_fail(x->err, STARC_EIO, "%s: cannot create directory: %s", s->dir, strerror(errno));
    return STARC_OK;
}

static int record(section *s, const char *name, const char *sha, uint64_t bytes, int is_input, const char *shown)
{
    exporter *x = s->x;
    char *rel = nb_join(s->id, name);
    if (!rel)
        return oom(x);
    json_object_set_new(x->manifest, rel, json_string(sha));
    free(rel);
    if (is_input) {
        json_t *e = json_object();
        json_object_set_new(e, STARC_RESULTS_NOTEBOOK_KEY_PATH, jstr(shown));
        json_object_set_new(e, STARC_RESULTS_NOTEBOOK_KEY_BYTES, json_integer((json_int_t)bytes));
        json_object_set_new(e, STARC_RESULTS_NOTEBOOK_KEY_SHA256, json_string(sha));
        json_array_append_new(x->inputs, e);
    }
    return STARC_OK;
}

/* The path of input srcname as shown to the reader: inside the result for a
 * directory result, beside it for a file result. */
static char *shown_path(const section *s, const char *srcname)
{
    if (nb_is_dir(s->src))
        return nb_join(s->shown, srcname);
    char *dir = nb_dirname(s->shown);
    char *p = !dir ? NULL : strcmp(dir, ".") == 0 ? strdup(srcname) : nb_join(dir, srcname);
    free(dir);
    return p;
}

/* Copy src into the section as name; optionally keep the copy's line facts. */
static int sec_copy(section *s, const char *src, const char *srcname, const char *name, nb_copy_info *info)
{
    char *dst = nb_join(s->dir, name);
    char *shown = shown_path(s, srcname);
    nb_copy_info tmp;
    int st;
    if (!dst || !shown)
        st = oom(s->x);
    else if (!(st = nb_copy(src, dst, &tmp, s->x->err)))
        st = record(s, name, tmp.sha256, tmp.bytes, 1, shown);
    if (!st && info)
        *info = tmp;
    else if (!st)
        nb_copy_info_clear(&tmp);
    free(dst);
    free(shown);
    return st;
}

/* Read src whole, copy it into the section as name and hand back the bytes. */
static int sec_load(section *s, const char *src, const char *srcname, const char *name, char **data, size_t *len)
{
    int st = nb_slurp(src, NB_SMALL_MAX, data, len, s->x->err);
    if (st)
        return st;
    char *dst = nb_join(s->dir, name);
    char *shown = shown_path(s, srcname);
    char sha[65];
    nb_sha256_hex(*data, *len, sha);
    if (!dst || !shown)
        st = oom(s->x);
    else if (!(st = nb_write(dst, *data, *len, s->x->err)))
        st = record(s, name, sha, *len, 1, shown);
    free(dst);
    free(shown);
    if (st) {
        free(*data);
        *data = NULL;
    }
    return st;
}

/* Python expression for a data file of this section: DATA + "/id/name". */
static void py_path(nb_buf *b, const section *s, const char *name)
{
    nb_buf tail;
    nb_buf_init(&tail);
    nb_buf_printf(&tail, "/%s/%s", s->id, name);
    nb_buf_add(b, "DATA + ");
    nb_buf_py(b, tail.s ? tail.s : "");
    if (!nb_buf_ok(&tail))
        b->oom = 1;
    nb_buf_free(&tail);
}

/* ---- gnuplot ------------------------------------------------------------------ */

static int find_gnuplot(exporter *x)
{
    if (x->gp_state)
        return x->gp_state > 0;
    x->gp_state = -1;
    const char *prog = x->o.gnuplot;
    if (!prog) {
        const char *env = getenv("GNUPLOT");
        prog = env && *env ? env : "gnuplot";
    }
    if (strchr(prog, '/')) {
        if (access(prog, X_OK) == 0 && (x->gp_prog = strdup(prog)))
            x->gp_state = 1;
        return x->gp_state > 0;
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        char *dir = n ? strndup(path, n) : strdup(".");
        char *cand = dir ? nb_join(dir, prog) : NULL;
        free(dir);
        if (cand && nb_is_file(cand) && access(cand, X_OK) == 0) {
            x->gp_prog = cand;
            x->gp_state = 1;
            break;
        }
        free(cand);
        path += n;
        if (*path == ':')
            path++;
    }
    return x->gp_state > 0;
}

/* Run gnuplot on script (in dir) with the term/outfile convention of starc's
 * figure scripts; 0 when it exited 0 and wrote a non-empty outfile. */
static int run_gnuplot(exporter *x, const char *dir, const char *script, const char *term, const char *outfile)
{
    char setting[512];
    snprintf(setting, sizeof setting, STARC_RESULTS_GP_TERM "='%s'; " STARC_RESULTS_GP_OUTFILE "='%s'", term, outfile);
    char *target = nb_join(dir, outfile);
    if (!target)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        free(target);
        return -1;
    }
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        if (fd < 0 || chdir(dir) != 0)
            _exit(127);
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(x->gp_prog, x->gp_prog, "-e", setting, script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            free(target);
            return -1;
        }
    struct stat sb;
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && stat(target, &sb) == 0 && S_ISREG(sb.st_mode) &&
             sb.st_size > 0;
    if (!ok)
        unlink(target);
    free(target);
    return ok ? 0 : -1;
}

static int load_rendered(section *s, const char *name, char **data, size_t *len)
{
    char *path = nb_join(s->dir, name);
    int st = path ? nb_slurp(path, NB_SMALL_MAX, data, len, s->x->err) : oom(s->x);
    free(path);
    return st;
}

/* Render a figure that has a script but no image: SVG, or PNG when the SVG
 * would be too large to embed.  A missing or failing gnuplot is a warning. */
static int render(section *s, fig *f)
{
    exporter *x = s->x;
    if (!f->gp || f->svg || f->png || !x->o.render)
        return STARC_OK;
    if (!find_gnuplot(x)) {
        warn(x, "%s: gnuplot not found; figure %s not rendered", s->shown, f->gp);
        return STARC_OK;
    }
    size_t n = strlen(f->stem) + 8;
    char *svg = malloc(n), *png = malloc(n);
    if (!svg || !png) {
        free(svg);
        free(png);
        return oom(x);
    }
    snprintf(svg, n, "%s" STARC_RESULTS_EXT_SVG, f->stem);
    snprintf(png, n, "%s" STARC_RESULTS_EXT_PNG, f->stem);
    int st = STARC_OK;
    if (run_gnuplot(x, s->dir, f->gp, "svg", svg) == 0 &&
        !(st = load_rendered(s, svg, &f->svg_data, &f->svg_len))) {
        if (f->svg_len <= x->o.svg_max_bytes) {
            f->svg = svg;
            svg = NULL;
        } else { /* too large to embed: PNG instead */
            free(f->svg_data);
            f->svg_data = NULL;
            char *path = nb_join(s->dir, svg);
            if (path)
                unlink(path);
            free(path);
        }
    }
    if (!st && !f->svg && run_gnuplot(x, s->dir, f->gp, "pngcairo", png) == 0 &&
        !(st = load_rendered(s, png, &f->png_data, &f->png_len))) {
        f->png = png;
        png = NULL;
    }
    if (!st && !f->svg && !f->png)
        warn(x, "%s: gnuplot failed on %s; figure not rendered", s->shown, f->gp);
    if (!st && (f->svg || f->png)) {
        char sha[65];
        f->rendered = 1;
        if (f->svg)
            nb_sha256_hex(f->svg_data, f->svg_len, sha);
        else
            nb_sha256_hex(f->png_data, f->png_len, sha);
        st = record(s, f->svg ? f->svg : f->png, sha, 0, 0, NULL);
    }
    free(svg);
    free(png);
    return st;
}

static void fig_free(fig *f)
{
    free(f->stem);
    free(f->gp);
    free(f->svg);
    free(f->png);
    free(f->gp_text);
    free(f->svg_data);
    free(f->png_data);
}

static void figs_free(fig *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fig_free(&f[i]);
    free(f);
}

/* The figures of a result: files STEM.gp / STEM.svg / STEM.png in dir (only
 * stem "only" when given), copied into the section and rendered if needed. */
static int sec_figures(section *s, const char *dir, const char *only, fig **out, size_t *nout)
{
    exporter *x = s->x;
    *out = NULL;
    *nout = 0;
    char **names;
    size_t n;
    int st = nb_list_dir(dir, &names, &n, x->err);
    if (st)
        return st;
    fig *f = NULL;
    size_t nf = 0;
    for (size_t i = 0; i < n && !st; i++) {
        const char *e = ext_of(names[i]);
        int kind = strcmp(e, STARC_RESULTS_EXT_GP) == 0    ? 0
                   : strcmp(e, STARC_RESULTS_EXT_SVG) == 0 ? 1
                   : strcmp(e, STARC_RESULTS_EXT_PNG) == 0 ? 2
                                                           : -1;
        if (kind < 0 || names[i][0] == '.')
            continue;
        char *stem = strip_ext(names[i]);
        char *src = nb_join(dir, names[i]);
        if (!stem || !src) {
            free(stem);
            free(src);
            st = oom(x);
            break;
        }
        if ((only && strcmp(stem, only) != 0) || !nb_is_file(src)) {
            free(stem);
            free(src);
            continue;
        }
        size_t k = 0;
        while (k < nf && strcmp(f[k].stem, stem) != 0)
            k++;
        if (k == nf) {
            fig *g = realloc(f, (nf + 1) * sizeof *g);
            if (!g) {
                free(stem);
                free(src);
                st = oom(x);
                break;
            }
            f = g;
            memset(&f[nf], 0, sizeof *f);
            f[nf].stem = stem;
            stem = NULL;
            nf++;
        }
        free(stem);
        char *sname = safe_name(names[i]);
        char **slot = kind == 0 ? &f[k].gp : kind == 1 ? &f[k].svg : &f[k].png;
        char *data = NULL;
        size_t len = 0;
        if (!sname)
            st = oom(x);
        else if (!(st = sec_load(s, src, names[i], sname, &data, &len))) {
            *slot = sname;
            sname = NULL;
            if (kind == 0)
                f[k].gp_text = data;
            else if (kind == 1) {
                f[k].svg_data = data;
                f[k].svg_len = len;
            } else {
                f[k].png_data = data;
                f[k].png_len = len;
            }
        }
        free(sname);
        free(src);
    }
    nb_free_list(names, n);
    for (size_t k = 0; k < nf && !st; k++) {
        /* the stem used for rendered images is the script's safe name without .gp */
        if (f[k].gp) {
            char *stem = strip_ext(f[k].gp);
            if (!stem) {
                st = oom(x);
                break;
            }
            free(f[k].stem);
            f[k].stem = stem;
        }
        st = render(s, &f[k]);
    }
    if (st) {
        figs_free(f, nf);
        return st;
    }
    *out = f;
    *nout = nf;
    return STARC_OK;
}

/* An SVG file as notebooks store it: the fragment from its <svg> element on.
 * The prolog before it (XML declaration, comments, processing instructions,
 * DOCTYPE) goes: nbconvert's HTML export parses the stored text with lxml,
 * which refuses a string that declares an encoding, and JupyterLab inserts
 * the text into the page, where a prolog does not belong (IPython's own
 * SVG() stores the element alone).  NULL when no <svg> element follows. */
static const char *svg_fragment(const char *p)
{
    if (strncmp(p, "\xEF\xBB\xBF", 3) == 0) /* a UTF-8 byte order mark */
        p += 3;
    for (;;) {
        p += strspn(p, " \t\r\n");
        if (strncmp(p, "<?", 2) == 0) {
            p = strstr(p + 2, "?>");
            if (!p)
                return NULL;
            p += 2;
        } else if (strncmp(p, "<!--", 4) == 0) {
            p = strstr(p + 4, "-->");
            if (!p)
                return NULL;
            p += 3;
        } else if (strncmp(p, "<!DOCTYPE", 9) == 0) {
            /* up to the '>' outside quotes and outside an internal subset [...] */
            int depth = 0;
            char quote = 0;
            for (p += 9; *p && (quote || depth || *p != '>'); p++) {
                if (quote)
                    quote = *p == quote ? 0 : quote;
                else if (*p == '"' || *p == '\'')
                    quote = *p;
                else if (*p == '[')
                    depth++;
                else if (*p == ']' && depth)
                    depth--;
            }
            if (!*p)
                return NULL;
            p++;
        } else {
            break;
        }
    }
    return strncmp(p, "<svg", 4) == 0 && strchr(" \t\r\n/>", p[4]) && p[4] ? p : NULL;
}

/* The stored output of a figure cell: the gnuplot rendering as display_data. */
static json_t *fig_outputs(section *s, const fig *f)
{
    json_t *outs = json_array();
    const char *svg = f->svg ? svg_fragment(f->svg_data) : NULL;
    if (f->svg && !svg)
        warn(s->x, "%s: %s holds no <svg> element; it is not embedded", s->shown, f->svg);
    if (!svg && !f->png)
        return outs;
    json_t *data = json_object();
    if (f->png) {
        char *b64 = nb_base64(f->png_data, f->png_len);
        if (!b64) {
            json_decref(data);
            json_decref(outs);
            return NULL;
        }
        json_object_set_new(data, "image/png", json_string(b64));
        free(b64);
    }
    if (svg && (f->svg_len <= s->x->o.svg_max_bytes || !f->png))
        json_object_set_new(data, "image/svg+xml", jlines(svg));
    nb_buf t;
    nb_buf_init(&t);
    nb_buf_printf(&t, "<gnuplot figure %s/%s%s>", s->id, f->png ? f->png : f->svg,
                  f->rendered ? ", rendered by starc notebook" : "");
    json_object_set_new(data, "text/plain", jlines(t.s ? t.s : ""));
    nb_buf_free(&t);
    json_t *o = json_object();
    json_object_set_new(o, "output_type", json_string("display_data"));
    json_object_set_new(o, "data", data);
    json_object_set_new(o, "metadata", json_object());
    json_array_append_new(outs, o);
    return outs;
}

/* Leading comment lines of a gnuplot script (its provenance header). */
static void gp_header(nb_buf *b, const fig *f)
{
    if (!f->gp_text)
        return;
    const char *p = f->gp_text;
    int lines = 0;
    while (*p == '#' && lines < 8) {
        size_t n = strcspn(p, "\n");
        if (lines == 0)
            nb_buf_printf(b, "Header of the figure script `%s`:\n\n", f->gp);
        nb_buf_add(b, "    ");
        nb_buf_addn(b, p, n > 300 ? 300 : n);
        nb_buf_add(b, "\n");
        lines++;
        p += n;
        if (*p == '\n')
            p++;
    }
    if (lines)
        nb_buf_add(b, "\n");
}

/* A cell that shows a figure the exporter cannot redraw: the stored image. */
static int display_cell(section *s, const fig *f)
{
    if (!f->svg && !f->png)
        return STARC_OK;
    nb_buf b;
    nb_buf_init(&b);
    nb_buf_printf(&b, "# The gnuplot figure %s, as rendered (edit and re-run %s with gnuplot to change it).\n",
                  f->png ? f->png : f->svg, f->gp ? f->gp : "its script");
    nb_buf_add(&b, "from IPython.display import Image, SVG, display\n\n");
    if (f->png) {
        nb_buf_add(&b, "display(Image(filename=");
        py_path(&b, s, f->png);
    } else {
        nb_buf_add(&b, "display(SVG(filename=");
        py_path(&b, s, f->svg);
    }
    nb_buf_add(&b, "))");
    json_t *outs = fig_outputs(s, f);
    int st = outs ? code_cell(s, &b, outs) : oom(s->x);
    nb_buf_free(&b);
    s->figures++;
    return st;
}

/* The figure cells of a section: with @p code, a matplotlib cell redrawing
 * f[main] whose stored output is that figure's gnuplot rendering, then the
 * other figures as display cells (f[main] is moved to the front first);
 * without it, every figure as a display cell. */
static int figure_cells(section *s, exporter *x, const nb_buf *code, fig *f, size_t nf, size_t main)
{
    size_t first = 0;
    int st = 0;
    if (code) {
        json_t *outs = nf ? fig_outputs(s, &f[main]) : json_array();
        if (!outs)
            return oom(x);
        if ((st = code_cell(s, code, outs)))
            return st;
        s->figures++;
        if (nf) {
            fig t = f[0];
            f[0] = f[main];
            f[main] = t;
            first = 1;
        }
    }
    for (size_t i = first; i < nf && !st; i++)
        st = display_cell(s, &f[i]);
    return st;
}


/* ---- explanations (markdown) ------------------------------------------------------ */

static const char *CITE_STARC =
    "Skalse et al., *STARC: A General Framework For Quantifying Differences Between Reward Functions*, "
    "ICLR 2024, [arXiv:2309.15257](https://arxiv.org/abs/2309.15257)";
static const char *CITE_EPIC =
    "Gleave et al., *Quantifying Differences in Reward Functions*, ICLR 2021, "
    "[arXiv:2006.13900](https://arxiv.org/abs/2006.13900)";
static const char *CITE_DARD =
    "Wulfe et al., *Dynamics-Aware Comparison of Learned Reward Functions*, ICLR 2022, "
    "[arXiv:2201.10081](https://arxiv.org/abs/2201.10081)";
static const char *CITE_CP =
    "Laidlaw, Singhal, Dragan, *Correlated Proxies: A New Definition and Improved Mitigation for Reward "
    "Hacking*, ICLR 2025, [arXiv:2403.03185](https://arxiv.org/abs/2403.03185)";
static const char *CITE_GAO =
    "Gao, Schulman, Hilton, *Scaling Laws for Reward Model Overoptimization*, ICML 2023, "
    "[arXiv:2210.10760](https://arxiv.org/abs/2210.10760)";

static void explain_distance(nb_buf *b)
{
    nb_buf_printf(b,
        "A **STARC distance** (%s) canonicalises each reward, $c(R)$, removing potential shaping "
        "(and, for `val` and `minimal`, redistribution over next states), normalises it, "
        "$s(R) = c(R)/n(c(R))$, and compares: $d(R_1, R_2) = m(s(R_1), s(R_2))$. With $m = n$ it lies in "
        "$[0, 2]$: $d(R, -R) = 2$ and $d(R, R_0) = 1$ for a trivial $R_0$. **EPIC** (%s) and **DARD** (%s) "
        "take the Pearson distance $\\sqrt{(1 - \\rho)/2} \\in [0, 1]$ of their canonical forms. "
        "Distance 0 means the rewards order all policies alike; `nan` (`null` in JSON) marks an undefined "
        "distance, e.g. a constant canonical reward under a Pearson metric.\n\n",
        CITE_STARC, CITE_EPIC, CITE_DARD);
}

/* A markdown table row of text cells (already escaped by the caller). */
static void md_rule(nb_buf *b, size_t ncol)
{
    nb_buf_add(b, "|");
    for (size_t j = 0; j < ncol; j++)
        nb_buf_add(b, "---|");
    nb_buf_add(b, "\n");
}

/* A cell of a TSV table: numbers reformatted, text escaped. */
static void md_field(nb_buf *b, const char *s)
{
    double v;
    if (nb_parse_number(s, &v))
        nb_buf_num(b, v);
    else
        nb_buf_md(b, s);
}

/* Flatten a JSON object into a two-column markdown table (nested keys dotted). */
static void md_json_rows(nb_buf *b, json_t *obj, const char *prefix, size_t *rows, size_t max)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        nb_buf k;
        nb_buf_init(&k);
        nb_buf_printf(&k, "%s%s%s", prefix, *prefix ? "." : "", key);
        if (json_is_object(v)) {
            md_json_rows(b, v, k.s ? k.s : "", rows, max);
            nb_buf_free(&k);
            continue;
        }
        if (*rows >= max) {
            nb_buf_free(&k);
            (*rows)++;
            continue;
        }
        nb_buf_add(b, "| ");
        nb_buf_md(b, k.s ? k.s : "");
        nb_buf_add(b, " | ");
        if (json_is_number(v))
            nb_buf_num(b, json_number_value(v));
        else if (json_is_string(v))
            nb_buf_md(b, json_string_value(v));
        else if (json_is_true(v))
            nb_buf_add(b, "true");
        else if (json_is_false(v))
            nb_buf_add(b, "false");
        else if (json_is_null(v))
            nb_buf_add(b, "null (undefined)");
        else if (json_is_array(v)) {
            size_t n = json_array_size(v);
            if (n <= 6) {
                nb_buf_add(b, "\\[");
                for (size_t i = 0; i < n; i++) {
                    json_t *e = json_array_get(v, i);
                    if (i)
                        nb_buf_add(b, ", ");
                    if (json_is_number(e))
                        nb_buf_num(b, json_number_value(e));
                    else if (json_is_string(e))
                        nb_buf_md(b, json_string_value(e));
                    else
                        nb_buf_add(b, json_is_null(e) ? "null" : "…");
                }
                nb_buf_add(b, "\\]");
            } else
                nb_buf_printf(b, "%zu values", n);
        }
        nb_buf_add(b, " |\n");
        nb_buf_free(&k);
        (*rows)++;
    }
}

static void md_json_table(nb_buf *b, json_t *obj, size_t max)
{
    size_t rows = 0;
    nb_buf_add(b, "| quantity | value |\n");
    md_rule(b, 2);
    md_json_rows(b, obj, "", &rows, max);
    if (rows > max)
        nb_buf_printf(b, "\n(%zu more entries in the data cell below.)\n", rows - max);
    nb_buf_add(b, "\n");
}

static void md_heading(nb_buf *b, const section *s, const char *what)
{
    nb_buf_printf(b, "## %s: ", what);
    nb_buf_md(b, s->shown);
    nb_buf_add(b, "\n\n");
}

/* ---- distance matrices ------------------------------------------------------------- */

typedef struct matrix {
    size_t n;
    char **names;   /* borrowed */
    double *D;
} matrix;

static void md_matrix(nb_buf *b, const matrix *M, size_t max)
{
    size_t n = M->n, k = n < max ? n : max;
    /* the closest and farthest distinct pairs, ties to the first in row order */
    size_t ci = 0, cj = 0, fi = 0, fj = 0;
    double cd = INFINITY, fd = -INFINITY;
    size_t undefined = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double d = M->D[i * n + j];
            if (isnan(d)) {
                undefined++;
                continue;
            }
            if (d < cd) { cd = d; ci = i; cj = j; }
            if (d > fd) { fd = d; fi = i; fj = j; }
        }
    nb_buf_printf(b, "%zu rewards", n);
    if (isfinite(cd)) {
        nb_buf_add(b, "; closest pair ");
        nb_buf_md(b, M->names[ci]);
        nb_buf_add(b, " – ");
        nb_buf_md(b, M->names[cj]);
        nb_buf_add(b, " (");
        nb_buf_num(b, cd);
        nb_buf_add(b, "), farthest ");
        nb_buf_md(b, M->names[fi]);
        nb_buf_add(b, " – ");
        nb_buf_md(b, M->names[fj]);
        nb_buf_add(b, " (");
        nb_buf_num(b, fd);
        nb_buf_add(b, ")");
    }
    if (undefined)
        nb_buf_printf(b, "; %zu undefined pair%s", undefined, undefined == 1 ? "" : "s");
    nb_buf_add(b, ".\n\n");
    if (k < n)
        nb_buf_printf(b, "The first %zu rows and columns:\n\n", k);
    nb_buf_add(b, "| |");
    for (size_t j = 0; j < k; j++) {
        nb_buf_add(b, " ");
        nb_buf_md(b, M->names[j]);
        nb_buf_add(b, " |");
    }
    nb_buf_add(b, "\n");
    md_rule(b, k + 1);
    for (size_t i = 0; i < k; i++) {
        nb_buf_add(b, "| ");
        nb_buf_md(b, M->names[i]);
        nb_buf_add(b, " |");
        for (size_t j = 0; j < k; j++) {
            nb_buf_add(b, " ");
            nb_buf_num(b, M->D[i * n + j]);
            nb_buf_add(b, " |");
        }
        nb_buf_add(b, "\n");
    }
    nb_buf_add(b, "\n");
}

static const char *HEATMAP =
    "fig, ax = plt.subplots(figsize=(2.5 + 0.55 * len(names), 1.5 + 0.55 * len(names)))\n"
    "im = ax.imshow(np.ma.masked_invalid(D), cmap=\"viridis\", vmin=0)\n"
    "ax.set_xticks(range(len(names)))\n"
    "ax.set_xticklabels(names, rotation=90)\n"
    "ax.set_yticks(range(len(names)))\n"
    "ax.set_yticklabels(names)\n"
    "if len(names) <= 12:\n"
    "    light = 0.6 * np.nanmax(D) if np.isfinite(D).any() else 0\n"
    "    for i in range(len(names)):\n"
    "        for j in range(len(names)):\n"
    "            ax.text(j, i, f\"{D[i, j]:.2f}\", ha=\"center\", va=\"center\", fontsize=8,\n"
    "                    color=\"k\" if D[i, j] > light else \"w\")\n"
    "fig.colorbar(im, ax=ax, label=\"distance\")\n"
    "ax.set_title(\"Distances between rewards (blank = undefined)\")\n"
    "fig.tight_layout()\n"
    "plt.show()";

/* Cells of a distance matrix; load is the Python that defines names and D. */
static int distance_cells(section *s, const matrix *M, const nb_buf *load, const char *srcdir, const char *stem)
{
    nb_buf b;
    nb_buf_init(&b);
    md_heading(&b, s, "Distance matrix");
    explain_distance(&b);
    fig *f = NULL;
    size_t nf = 0;
    int st = sec_figures(s, srcdir, stem, &f, &nf);
    if (st)
        goto done;
    for (size_t i = 0; i < nf; i++)
        gp_header(&b, &f[i]);
    md_matrix(&b, M, s->x->o.table_rows);
    if ((st = md_cell(s, &b)))
        goto done;
    if ((st = code_cell(s, load, NULL)))
        goto done;
    nb_buf_reset(&b);
    nb_buf_add(&b, "# Heat map of the distance matrix");
    nb_buf_add(&b, nf && (f[0].svg || f[0].png) ? " (stored output: the gnuplot figure).\n" : ".\n");
    nb_buf_add(&b, HEATMAP);
    json_t *outs = nf ? fig_outputs(s, &f[0]) : json_array();
    if (!outs) {
        st = oom(s->x);
        goto done;
    }
    if ((st = code_cell(s, &b, outs)))
        goto done;
    s->figures++;
    for (size_t i = 1; i < nf && !st; i++)
        st = display_cell(s, &f[i]);
done:
    figs_free(f, nf);
    nb_buf_free(&b);
    return st;
}

/* A distance matrix TSV: header of N names (optionally after an empty corner
 * cell), then N rows of N numbers, each optionally led by its name. */
static int parse_matrix_tsv(const nb_table *t, matrix *M, const char *name, starc_error *err)
{
    size_t n = t->nrow;
    M->n = n;
    M->names = NULL;
    M->D = NULL;
    if (n == 0)
        return nb_fail(err, STARC_EFORMAT, "%s: no rows under the header", name);
    if (t->ncol != n && t->ncol != n + 1) /* n + 1: a corner cell before the names */
        return nb_fail(err, STARC_EFORMAT, "%s: header has %zu names for %zu rows", name, t->ncol, n);
    M->names = t->head + (t->ncol - n);
    /* every row has the same layout: n numbers, or a label and n numbers
     * (always the latter under a header with a corner cell) */
    size_t want = t->ncol == n + 1 ? n + 1 : t->nf[0];
    if (want != n && want != n + 1)
        want = n;
    M->D = malloc(n * n * sizeof *M->D);
    if (!M->D)
        return nb_fail(err, STARC_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (t->nf[i] != want) {
            free(M->D);
            M->D = NULL;
            return nb_fail(err, STARC_EFORMAT, "%s: row %zu has %zu fields, expected %zu", name, i + 1, t->nf[i],
                           want);
        }
        size_t off = t->nf[i] - n;
        for (size_t j = 0; j < n; j++)
            if (!nb_parse_number(t->rows[i][off + j], &M->D[i * n + j])) {
                free(M->D);
                M->D = NULL;
                return nb_fail(err, STARC_EFORMAT, "%s: row %zu, column %zu: '%s' is not a number", name,
                               i + 1, j + 1, t->rows[i][off + j]);
            }
    }
    return STARC_OK;
}

/* ---- single-number and JSON results ----------------------------------------------- */

static void load_json_code(nb_buf *b, const section *s, const char *name, const char *var)
{
    nb_buf_printf(b, "with open(");
    py_path(b, s, name);
    nb_buf_printf(b, ", encoding=\"utf-8\") as f:\n    %s = json.load(f)\n", var);
}

static int pair_cells(section *s, double d, int from_json, const char *name)
{
    nb_buf b;
    nb_buf_init(&b);
    md_heading(&b, s, "Distance between two rewards");
    explain_distance(&b);
    nb_buf_add(&b, "Distance: **");
    if (isnan(d))
        nb_buf_add(&b, "undefined");
    else
        nb_buf_num(&b, d);
    nb_buf_add(&b, "**\n");
    int st = md_cell(s, &b);
    nb_buf_reset(&b);
    if (from_json) {
        load_json_code(&b, s, name, "res");
        nb_buf_add(&b, "d = res[\"" STARC_RESULTS_DISTANCE_KEY_DISTANCE "\"]\n");
    } else {
        nb_buf_add(&b, "d = float(np.loadtxt(");
        py_path(&b, s, name);
        nb_buf_add(&b, ", comments=\"#\"))\n");
    }
    nb_buf_add(&b, "print(\"distance:\", \"undefined\" if d is None or np.isnan(d) else d)");
    if (!st)
        st = code_cell(s, &b, NULL);
    nb_buf_free(&b);
    return st;
}

static void explain_proxy(nb_buf *b, json_t *j)
{
    nb_buf_printf(b,
        "**Correlated proxies** (%s). Under the base policy's occupancy $\\mu_b$, `r` is the Pearson "
        "correlation of the true and proxy expected rewards $\\bar R(s,a)$, and `sigma_true`, `sigma_proxy` "
        "their standard deviations. For the proxy-optimal policy $\\pi$: the changes of normalised return from "
        "the base policy ($\\Delta J_t$ = `true_delta_normalized`), and $\\chi^2 = \\chi^2(\\mu_\\pi \\| \\mu_b)$. "
        "The bounds are lower bounds on $\\Delta J_t$, with $a = \\Delta J_p / \\sigma_p$: "
        "A: $\\sigma_t (r a - \\sqrt{1-r^2}\\sqrt{\\chi^2})$; B (CP's form): "
        "$\\frac{\\sigma_t}{r \\sigma_p}(\\Delta J_p - \\sigma_p \\sqrt{1-r^2}\\sqrt{\\chi^2})$; tight "
        "(Liu, Sun, Zheng, ICLR 2026): $\\sigma_t (r a - \\sqrt{1-r^2}\\sqrt{\\chi^2 - a^2})$. "
        "**Reward hacking** (CP, Definition 4.2): an optimal policy for the proxy has a lower true return "
        "than the base policy; near-perfect correlation under the base policy does not rule it out. "
        "Returns are discounted and unnormalised ($\\mu_0 \\cdot V$) unless a key ends in `_normalized`.\n\n",
        CITE_CP);
    json_t *h = json_object_get(j, STARC_RESULTS_PROXY_KEY_REWARD_HACKING);
    if (json_is_boolean(h))
        nb_buf_add(b, json_is_true(h) ? "**Reward hacking: yes.** Optimising the proxy lowers the true return "
                                        "below the base policy's.\n\n"
                                      : "**Reward hacking: no.** The proxy-optimal policy does not lower the "
                                        "true return below the base policy's.\n\n");
}

static void explain_regularize(nb_buf *b)
{
    nb_buf_printf(b,
        "The exact optimum of the **regularised objective** $J_n(\\pi, R_{proxy}) - \\lambda D(\\pi)$ "
        "(`coef` = $\\lambda$; `objective` is its value, with the normalised proxy return). `ad-kl`: "
        "$D = \\sum_s d_\\pi(s)\\,\\mathrm{KL}(\\pi(\\cdot|s) \\| \\pi_b(\\cdot|s))$, by soft value iteration with "
        "the base policy as reference; `om-chi2`: $D = \\chi^2(\\mu_\\pi \\| \\mu_b)$ over occupancy measures, "
        "solved exactly through its dual; `om-sqrt-chi2`: $D = \\sqrt{\\chi^2}$, the ORPO penalty of %s, "
        "whose suggested $\\lambda = \\sigma_{proxy}\\sqrt{1 - r^2}$. Divergences of the optimum from the "
        "base policy: `ad_kl`, `om_kl` $= \\mathrm{KL}(\\mu_\\pi \\| \\mu_b) \\ge$ `ad_kl`, `chi2`, `tv`. "
        "Returns are discounted and unnormalised ($\\mu_0 \\cdot V$).\n\n",
        CITE_CP);
}

static void explain_regret(nb_buf *b)
{
    nb_buf_add(b,
        "**Normalised regret** of optimising the proxy when the true reward is $R_t$: "
        "$\\mathrm{reg} = (J_t(\\pi^*_t) - J_t(\\pi^*_p)) / (J_t(\\pi^*_t) - J_t(\\pi^-_t))$, "
        "0 when the proxy's optimal policy is optimal for the truth, 1 when it is the worst; "
        "returns are exact (policy iteration; ties to the lowest action). The STARC study uses the symmetric "
        "mean of both directions.\n\n");
}

static int json_cells(section *s, json_t *j, const char *name)
{
    nb_buf b;
    nb_buf_init(&b);
    const char *kind = s->kind;
    const char *title = strcmp(kind, STARC_RESULTS_KIND_PROXY) == 0        ? "Proxy and true reward"
                        : strcmp(kind, STARC_RESULTS_KIND_REGULARIZE) == 0 ? "Regularised optimum"
                                                                           : "Regret";
    md_heading(&b, s, title);
    if (strcmp(kind, STARC_RESULTS_KIND_PROXY) == 0)
        explain_proxy(&b, j);
    else if (strcmp(kind, STARC_RESULTS_KIND_REGULARIZE) == 0)
        explain_regularize(&b);
    else
        explain_regret(&b);
    md_json_table(&b, j, 4 * s->x->o.table_rows);
    int st = md_cell(s, &b);
    nb_buf_reset(&b);
    load_json_code(&b, s, name, "res");
    nb_buf_add(&b, "print(json.dumps(res, indent=1))");
    json_t *po = json_object_get(j, STARC_RESULTS_PROXY_KEY_PROXY_OPTIMAL);
    if (strcmp(kind, STARC_RESULTS_KIND_PROXY) == 0 && json_is_object(po) &&
        json_object_get(po, STARC_RESULTS_PROXY_KEY_TRUE_DELTA_NORMALIZED)) {
#define TD STARC_RESULTS_PROXY_KEY_TRUE_DELTA_NORMALIZED
        nb_buf_add(&b,
            "\npo = res[\"" STARC_RESULTS_PROXY_KEY_PROXY_OPTIMAL "\"]\n"
            "for bound in (\"" STARC_RESULTS_PROXY_KEY_BOUND_A "\", \"" STARC_RESULTS_PROXY_KEY_BOUND_B "\", \""
            STARC_RESULTS_PROXY_KEY_BOUND_TIGHT "\"):\n"
            "    if po.get(bound) is not None and po[\"" TD "\"] is not None:\n"
            "        print(f\"{bound}: {po[bound]:.6g} <= " TD " {po['" TD "']:.6g}:\",\n"
            "              po[bound] <= po[\"" TD "\"])");
#undef TD
    }
    if (!st)
        st = code_cell(s, &b, NULL);
    nb_buf_free(&b);
    return st;
}

/* ---- studies ------------------------------------------------------------------------ */

/* Is a pairs.tsv column one of the study's distance variants, named
 * canon:norm:metric?  The library's list of variants decides. */
static int is_variant(const char *name)
{
    char buf[128];
    size_t n = strlen(name);
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, name, n + 1);
    char *norm = strchr(buf, STARC_RESULTS_VARIANT_SEP);
    char *metric = norm ? strchr(norm + 1, STARC_RESULTS_VARIANT_SEP) : NULL;
    if (!metric || strchr(metric + 1, STARC_RESULTS_VARIANT_SEP))
        return 0;
    *norm++ = '\0';
    *metric++ = '\0';
    return starc_study_variant_index(buf, norm, metric) >= 0;
}

/* Rows of a correlations table in decreasing order of column c (nan last, stable). */
typedef struct rank { double v; size_t i; } rank;
static int cmp_rank(const void *a, const void *b)
{
    const rank *x = a, *y = b;
    int xn = isnan(x->v), yn = isnan(y->v);
    if (xn != yn)
        return xn - yn;
    if (!xn && x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int study_section(exporter *x, const char *dir, const char *sub)
{
    section s;
    int st = section_begin(x, &s, STARC_RESULTS_KIND_STUDY, dir, sub);
    nb_buf b, code;
    nb_buf_init(&b);
    nb_buf_init(&code);
    nb_table corr;
    memset(&corr, 0, sizeof corr);
    int have_corr = 0, have_pairs = 0;
    nb_copy_info pinfo;
    memset(&pinfo, 0, sizeof pinfo);
    rank *rk = NULL;
    fig *f = NULL;
    size_t nf = 0;
    char **variants = NULL;
    size_t nvar = 0;
    char *regret_col = NULL;
    nb_table ph;
    memset(&ph, 0, sizeof ph);
    if (st)
        goto done;

    char *p = nb_join(dir, STARC_RESULTS_STUDY_CORRELATIONS);
    if (!p) {
        st = oom(x);
        goto done;
    }
    if (nb_is_file(p)) {
        char *text;
        size_t len;
        st = sec_load(&s, p, STARC_RESULTS_STUDY_CORRELATIONS, STARC_RESULTS_STUDY_CORRELATIONS, &text, &len);
        if (!st) {
            st = nb_table_parse(text, len, p, &corr, x->err);
            have_corr = !st;
            free(text);
        }
    }
    free(p);
    if (st)
        goto done;
    p = nb_join(dir, STARC_RESULTS_STUDY_PAIRS);
    if (!p) {
        st = oom(x);
        goto done;
    }
    if (nb_is_file(p)) {
        st = sec_copy(&s, p, STARC_RESULTS_STUDY_PAIRS, STARC_RESULTS_STUDY_PAIRS, &pinfo);
        have_pairs = !st;
    }
    free(p);
    if (st || (st = sec_figures(&s, dir, NULL, &f, &nf)))
        goto done;

    /* the header and first row of pairs.tsv tell the columns */
    if (have_pairs && pinfo.first[0]) {
        nb_buf t;
        nb_buf_init(&t);
        nb_buf_printf(&t, "%s\n%s\n", pinfo.first[0], pinfo.first[1] ? pinfo.first[1] : "");
        if (!nb_buf_ok(&t) || (st = nb_table_parse(t.s, t.len, STARC_RESULTS_STUDY_PAIRS, &ph, x->err))) {
            nb_buf_free(&t);
            st = st ? st : oom(x);
            goto done;
        }
        nb_buf_free(&t);
        if (nb_table_col(&ph, STARC_RESULTS_STUDY_COL_REGRET) >= 0)
            regret_col = strdup(STARC_RESULTS_STUDY_COL_REGRET);
        for (size_t j = 0; j < ph.ncol && !regret_col; j++) /* a column named like it, e.g. by hand */
            if (strstr(ph.head[j], STARC_RESULTS_STUDY_COL_REGRET) && nb_table_col_numeric(&ph, j))
                regret_col = strdup(ph.head[j]);
    }

    long cc = have_corr ? nb_table_col(&corr, STARC_RESULTS_STUDY_COL_CANON) : -1;
    long cn = have_corr ? nb_table_col(&corr, STARC_RESULTS_STUDY_COL_NORM) : -1;
    long cm = have_corr ? nb_table_col(&corr, STARC_RESULTS_STUDY_COL_METRIC) : -1;
    long cp = have_corr ? nb_table_col(&corr, STARC_RESULTS_STUDY_COL_PEARSON) : -1;
    if (cp >= 0) {
        rk = malloc((corr.nrow + 1) * sizeof *rk);
        if (!rk) {
            st = oom(x);
            goto done;
        }
        for (size_t i = 0; i < corr.nrow; i++) {
            rk[i].i = i;
            if ((size_t)cp >= corr.nf[i] || !nb_parse_number(corr.rows[i][cp], &rk[i].v))
                rk[i].v = NAN;
        }
        qsort(rk, corr.nrow, sizeof *rk, cmp_rank);
    }

    /* the variants drawn: the paper's headline ones, then the best-correlated */
    variants = calloc(4, sizeof *variants);
    if (!variants) {
        st = oom(x);
        goto done;
    }
    if (regret_col) {
        for (const char *h = STARC_RESULTS_STUDY_HEADLINE; *h && nvar < 4;) {
            size_t n = strcspn(h, ",");
            for (size_t j = 0; j < ph.ncol; j++)
                if (strlen(ph.head[j]) == n && strncmp(ph.head[j], h, n) == 0 && nb_table_col_numeric(&ph, j)) {
                    variants[nvar++] = ph.head[j];
                    break;
                }
            h += n + (h[n] == ',');
        }
        for (size_t r = 0; rk && cc >= 0 && cn >= 0 && cm >= 0 && r < corr.nrow && nvar < 4; r++) {
            size_t i = rk[r].i;
            if (corr.nf[i] < corr.ncol)
                continue;
            nb_buf v;
            nb_buf_init(&v);
            nb_buf_printf(&v, STARC_RESULTS_VARIANT_FMT, corr.rows[i][cc], corr.rows[i][cn], corr.rows[i][cm]);
            long j = v.s ? nb_table_col(&ph, v.s) : -1;
            nb_buf_free(&v);
            int dup = 0;
            for (size_t k = 0; k < nvar; k++)
                dup |= j >= 0 && strcmp(variants[k], ph.head[j]) == 0;
            if (j >= 0 && !dup && nb_table_col_numeric(&ph, (size_t)j))
                variants[nvar++] = ph.head[j];
        }
        for (size_t j = 0; j < ph.ncol && nvar < 4; j++) {
            int dup = 0;
            for (size_t k = 0; k < nvar; k++)
                dup |= strcmp(variants[k], ph.head[j]) == 0;
            if (!dup && is_variant(ph.head[j]) && nb_table_col_numeric(&ph, j))
                variants[nvar++] = ph.head[j];
        }
    }

    /* markdown */
    md_heading(&b, &s, "STARC random-MDP study");
    nb_buf_printf(&b,
        "The study of %s (Figure 1): on random MDPs, pairs of random rewards interpolated from $R_1$ towards "
        "$R_2$; each point records the **symmetric normalised regret** "
        "$(\\mathrm{reg}(R_1,R_2) + \\mathrm{reg}(R_2,R_1))/2$, with "
        "$\\mathrm{reg}(R_t,R_p) = (J_t(\\pi^*_t) - J_t(\\pi^*_p)) / (J_t(\\pi^*_t) - J_t(\\pi^-_t))$ "
        "(computed exactly here; the authors estimated returns by Monte Carlo), and the distance between the two "
        "rewards under each variant: canonicalisation `c`, normalisation `n`, metric `m`. A good distance "
        "predicts regret; the score of a variant is its **Pearson correlation with regret** over all points. "
        "The paper reports, for $m = \\ell_2$: STARC-VAL with $n = \\ell_2$ 0.856, EPIC 0.778, DARD 0.782, "
        "no canonicalisation 0.618; the best VAL variant 0.873 ($n = m = \\ell_1$); without normalisation every "
        "canonicalisation scores only 0.12–0.33.\n\n",
        CITE_STARC);
    for (size_t i = 0; i < nf; i++)
        gp_header(&b, &f[i]);
    if (have_pairs)
        nb_buf_printf(&b, "`" STARC_RESULTS_STUDY_PAIRS "`: %zu points, %zu columns.%s\n\n",
                      pinfo.lines ? pinfo.lines - 1 : 0, ph.ncol, regret_col ? "" : " (No regret column found.)");
    if (have_corr && rk) {
        size_t k = corr.nrow < x->o.table_rows ? corr.nrow : x->o.table_rows;
        nb_buf_printf(&b, "The %zu variant%s (of %zu) with the highest Pearson correlation with regret:\n\n", k,
                      k == 1 ? "" : "s", corr.nrow);
        nb_buf_add(&b, "|");
        for (size_t j = 0; j < corr.ncol; j++) {
            nb_buf_add(&b, " ");
            nb_buf_md(&b, corr.head[j]);
            nb_buf_add(&b, " |");
        }
        nb_buf_add(&b, "\n");
        md_rule(&b, corr.ncol);
        for (size_t r = 0; r < k; r++) {
            size_t i = rk[r].i;
            nb_buf_add(&b, "|");
            for (size_t j = 0; j < corr.ncol; j++) {
                nb_buf_add(&b, " ");
                if (j < corr.nf[i])
                    md_field(&b, corr.rows[i][j]);
                nb_buf_add(&b, " |");
            }
            nb_buf_add(&b, "\n");
        }
        nb_buf_add(&b, "\n");
    } else if (have_corr) {
        nb_buf_printf(&b, "`" STARC_RESULTS_STUDY_CORRELATIONS "`: %zu rows; no `" STARC_RESULTS_STUDY_COL_PEARSON
                          "` column.\n\n", corr.nrow);
    }
    if ((st = md_cell(&s, &b)))
        goto done;

    /* data */
    nb_buf_reset(&code);
    if (have_corr) {
        nb_buf_add(&code, "corr = read_tsv(");
        py_path(&code, &s, STARC_RESULTS_STUDY_CORRELATIONS);
        nb_buf_add(&code, ")\n");
    }
    if (have_pairs) {
        nb_buf_add(&code, "pairs = read_tsv(");
        py_path(&code, &s, STARC_RESULTS_STUDY_PAIRS);
        nb_buf_add(&code, ")\n");
        nb_buf_add(&code, "print(len(next(iter(pairs.values()))), \"points;\", len(pairs), \"columns\")\n");
    }
    if (cp >= 0 && cc >= 0 && cn >= 0 && cm >= 0)
        nb_buf_add(&code,
            "order = np.argsort(-corr[\"" STARC_RESULTS_STUDY_COL_PEARSON "\"], kind=\"stable\")\n"
            "print(\"Distance variants by Pearson correlation with regret:\")\n"
            "for i in order[:10]:\n"
            "    print(f\"  {corr['" STARC_RESULTS_STUDY_COL_CANON "'][i]:<18} n={corr['" STARC_RESULTS_STUDY_COL_NORM
            "'][i]:<6} m={corr['" STARC_RESULTS_STUDY_COL_METRIC "'][i]:<8} \"\n"
            "          f\"r={corr['" STARC_RESULTS_STUDY_COL_PEARSON "'][i]:.4f}\")\n");
    else if (have_corr)
        nb_buf_add(&code, "print(\"" STARC_RESULTS_STUDY_CORRELATIONS " columns:\", list(corr))\n");
    if (code.len && code.s[code.len - 1] == '\n')
        code.s[--code.len] = '\0';
    if ((st = code_cell(&s, &code, NULL)))
        goto done;

    /* the main figure: regret against a few distances */
    if (nvar > 0) {
        nb_buf_reset(&code);
        /* stored output: the study's own regret-against-distance scatter, else its Figure 1 */
        size_t main = 0;
        for (size_t i = 0; i < nf; i++)
            if (strcmp(f[i].stem, STARC_RESULTS_STUDY_FIGURE) == 0)
                main = i;
        for (size_t i = 0; i < nf; i++)
            if (strcmp(f[i].stem, STARC_RESULTS_STUDY_SCATTER) == 0)
                main = i;
        nb_buf_printf(&code, "# Regret against distance for %s variant%s", nvar == 1 ? "one" : "a few",
                      nvar == 1 ? "" : "s");
        nb_buf_add(&code, nf && (f[main].svg || f[main].png) ? " (stored output: the gnuplot figure).\n" : ".\n");
        nb_buf_add(&code, "variants = [");
        for (size_t i = 0; i < nvar; i++) {
            if (i)
                nb_buf_add(&code, ", ");
            nb_buf_py(&code, variants[i]);
        }
        nb_buf_add(&code, "]\nregret = pairs[");
        nb_buf_py(&code, regret_col);
        nb_buf_add(&code,
            "]\n"
            "fig, axes = plt.subplots(1, len(variants), figsize=(3.6 * len(variants), 3.4), sharey=True, "
            "squeeze=False)\n"
            "for ax, v in zip(axes[0], variants):\n"
            "    x = pairs[v]\n"
            "    ok = np.isfinite(x) & np.isfinite(regret)\n"
            "    r = np.corrcoef(x[ok], regret[ok])[0, 1] if ok.sum() > 1 else float(\"nan\")\n"
            "    print(f\"{v}: Pearson r = {r:.4f} over {ok.sum()} points\")\n"
            "    ax.scatter(x[ok], regret[ok], s=4, alpha=0.4)\n"
            "    ax.set_title(f\"{v}: r = {r:.3f}\", fontsize=10)\n"
            "    ax.set_xlabel(\"distance\")\n"
            "axes[0][0].set_ylabel(\"symmetric normalised regret\")\n"
            "fig.tight_layout()\n"
            "plt.show()");
        st = figure_cells(&s, x, &code, f, nf, main);
        goto done;
    }
    st = figure_cells(&s, x, NULL, f, nf, 0);
done:
    st = section_end(&s, st);
    free(rk);
    free(variants);
    free(regret_col);
    figs_free(f, nf);
    nb_table_free(&corr);
    nb_table_free(&ph);
    nb_copy_info_clear(&pinfo);
    nb_buf_free(&b);
    nb_buf_free(&code);
    return st;
}

/* ---- overoptimisation ------------------------------------------------------------- */

/* Markdown table of a whole TSV (first max rows). */
static void md_tsv(nb_buf *b, const nb_table *t, size_t max)
{
    nb_buf_add(b, "|");
    for (size_t j = 0; j < t->ncol; j++) {
        nb_buf_add(b, " ");
        nb_buf_md(b, t->head[j]);
        nb_buf_add(b, " |");
    }
    nb_buf_add(b, "\n");
    md_rule(b, t->ncol);
    for (size_t i = 0; i < t->nrow && i < max; i++) {
        nb_buf_add(b, "|");
        for (size_t j = 0; j < t->ncol; j++) {
            nb_buf_add(b, " ");
            if (j < t->nf[i])
                md_field(b, t->rows[i][j]);
            nb_buf_add(b, " |");
        }
        nb_buf_add(b, "\n");
    }
    if (t->nrow > max)
        nb_buf_printf(b, "\n(%zu more rows in the data cell below.)\n", t->nrow - max);
    nb_buf_add(b, "\n");
}

static double cell_num(const nb_table *t, size_t i, long j)
{
    double v;
    if (j < 0 || (size_t)j >= t->nf[i] || !nb_parse_number(t->rows[i][j], &v))
        return NAN;
    return v;
}

/* Per-method facts of the curves: points, d range, the true curve's peak and end. */
static void md_curves(nb_buf *b, const nb_table *t, long cmethod, long cd, long ckl, long ctrue, long cproxy)
{
    nb_buf_add(b, "| method | points | max d | true change: peak | at d | end | proxy change: end |\n");
    md_rule(b, 7);
    char *done = calloc(t->nrow + 1, 1);
    if (!done) {
        b->oom = 1;
        return;
    }
    for (size_t i0 = 0; i0 < t->nrow; i0++) {
        if (done[i0])
            continue;
        const char *m = cmethod >= 0 && (size_t)cmethod < t->nf[i0] ? t->rows[i0][cmethod] : "all";
        size_t n = 0;
        double dmax = -INFINITY, peak = -INFINITY, peak_d = NAN, end_t = NAN, end_p = NAN, end_d = -INFINITY;
        for (size_t i = i0; i < t->nrow; i++) {
            const char *mi = cmethod >= 0 && (size_t)cmethod < t->nf[i] ? t->rows[i][cmethod] : "all";
            if (strcmp(mi, m) != 0)
                continue;
            done[i] = 1;
            n++;
            double d = cd >= 0 ? cell_num(t, i, cd) : sqrt(cell_num(t, i, ckl));
            double tv = cell_num(t, i, ctrue), pv = cell_num(t, i, cproxy);
            if (d > dmax)
                dmax = d;
            if (tv > peak) {
                peak = tv;
                peak_d = d;
            }
            if (d >= end_d) { /* the end of the path: the largest divergence (last on ties) */
                end_d = d;
                end_t = tv;
                end_p = pv;
            }
        }
        nb_buf_add(b, "| ");
        nb_buf_md(b, m);
        nb_buf_printf(b, " | %zu | ", n);
        nb_buf_num(b, isfinite(dmax) ? dmax : NAN);
        nb_buf_add(b, " | ");
        nb_buf_num(b, isfinite(peak) ? peak : NAN);
        nb_buf_add(b, " | ");
        nb_buf_num(b, peak_d);
        nb_buf_add(b, " | ");
        nb_buf_num(b, end_t);
        nb_buf_add(b, " | ");
        nb_buf_num(b, end_p);
        nb_buf_add(b, " |\n");
    }
    free(done);
    nb_buf_add(b, "\n");
}

static int load_table(section *s, const char *dir, const char *name, nb_table *t, int *have)
{
    *have = 0;
    char *p = nb_join(dir, name);
    if (!p)
        return oom(s->x);
    int st = STARC_OK;
    if (nb_is_file(p)) {
        char *text;
        size_t len;
        if (!(st = sec_load(s, p, name, name, &text, &len))) {
            st = nb_table_parse(text, len, p, t, s->x->err);
            *have = !st;
            free(text);
        }
    }
    free(p);
    return st;
}

static int overopt_section(exporter *x, const char *dir, const char *sub)
{
    section s;
    int st = section_begin(x, &s, STARC_RESULTS_KIND_OVEROPT, dir, sub);
    nb_buf b, code;
    nb_buf_init(&b);
    nb_buf_init(&code);
    nb_table curves, fits;
    memset(&curves, 0, sizeof curves);
    memset(&fits, 0, sizeof fits);
    int have_curves = 0, have_fits = 0;
    json_t *summary = NULL;
    fig *f = NULL;
    size_t nf = 0;
    if (st)
        goto done;
    if ((st = load_table(&s, dir, STARC_RESULTS_OVEROPT_CURVES, &curves, &have_curves)) ||
        (st = load_table(&s, dir, STARC_RESULTS_OVEROPT_FITS, &fits, &have_fits)))
        goto done;
    char *p = nb_join(dir, STARC_RESULTS_OVEROPT_SUMMARY);
    if (!p) {
        st = oom(x);
        goto done;
    }
    if (nb_is_file(p)) {
        char *text;
        size_t len;
        if (!(st = sec_load(&s, p, STARC_RESULTS_OVEROPT_SUMMARY, STARC_RESULTS_OVEROPT_SUMMARY, &text, &len))) {
            json_error_t je;
            summary = json_loadb(text, len, 0, &je);
            if (!summary)
                st = nb_fail(x->err, STARC_EFORMAT, "%s: line %d: %s", p, je.line, je.text);
            free(text);
        }
    }
    free(p);
    if (st || (st = sec_figures(&s, dir, NULL, &f, &nf)))
        goto done;

    long cmethod = have_curves ? nb_table_col(&curves, STARC_RESULTS_OVEROPT_COL_METHOD) : -1;
    long cd = have_curves ? nb_table_col(&curves, STARC_RESULTS_OVEROPT_COL_D) : -1;
    long ckl = have_curves ? nb_table_col(&curves, STARC_RESULTS_OVEROPT_COL_KL) : -1;
    long ctrue = have_curves ? nb_table_col(&curves, STARC_RESULTS_OVEROPT_COL_TRUE_DELTA) : -1;
    long cproxy = have_curves ? nb_table_col(&curves, STARC_RESULTS_OVEROPT_COL_PROXY_DELTA) : -1;
    const char *xcol = cd >= 0 ? STARC_RESULTS_OVEROPT_COL_D : ckl >= 0 ? STARC_RESULTS_OVEROPT_COL_KL : NULL;
    /* without the changes from the base policy, the returns themselves */
    const char *tcol = ctrue >= 0 ? STARC_RESULTS_OVEROPT_COL_TRUE_DELTA
                       : nb_table_col(&curves, STARC_RESULTS_OVEROPT_COL_TRUE_RETURN) >= 0
                           ? STARC_RESULTS_OVEROPT_COL_TRUE_RETURN
                           : NULL;
    const char *pcol = cproxy >= 0 ? STARC_RESULTS_OVEROPT_COL_PROXY_DELTA
                       : nb_table_col(&curves, STARC_RESULTS_OVEROPT_COL_PROXY_RETURN) >= 0
                           ? STARC_RESULTS_OVEROPT_COL_PROXY_RETURN
                           : NULL;
    if (tcol)
        ctrue = nb_table_col(&curves, tcol);
    if (pcol)
        cproxy = nb_table_col(&curves, pcol);

    md_heading(&b, &s, "Overoptimisation");
    nb_buf_printf(&b,
        "**Overoptimisation** (%s): the optimisation pressure on the proxy reward is swept (the coefficient of a "
        "regularised optimiser, `ad-kl` or `om-chi2`, from large to small, or best-of-n per state), and each point "
        "records the divergence from the base policy (KL, discounted $\\sum \\eta \\log(\\pi/\\pi_b)$, unnormalised "
        "and normalised; $d = \\sqrt{\\mathrm{KL}}$; $\\chi^2$) and the changes of the proxy and true returns from "
        "the base policy. Gao et al.'s forms, fitted by least squares without intercept: best-of-n "
        "$R(d) = d(\\alpha - \\beta d)$, peak $d^* = \\alpha/(2\\beta)$; RL $R(d) = d(\\alpha - \\beta \\log d)$, "
        "peak $d^* = e^{\\alpha/\\beta - 1}$. Overoptimisation shows as a true curve that rises, peaks and falls "
        "while the proxy keeps rising; true curves need not have a single peak.\n\n",
        CITE_GAO);
    for (size_t i = 0; i < nf; i++)
        gp_header(&b, &f[i]);
    if (have_curves && xcol && tcol && pcol)
        md_curves(&b, &curves, cmethod, cd, ckl, ctrue, cproxy);
    else if (have_curves)
        nb_buf_printf(&b, "`" STARC_RESULTS_OVEROPT_CURVES "`: %zu points.\n\n", curves.nrow);
    if (have_fits) {
        nb_buf_add(&b, "Fits (`" STARC_RESULTS_OVEROPT_FITS "`):\n\n");
        md_tsv(&b, &fits, x->o.table_rows);
    }
    if (json_is_object(summary)) {
        nb_buf_add(&b, "Summary (`" STARC_RESULTS_OVEROPT_SUMMARY "`):\n\n");
        md_json_table(&b, summary, 2 * x->o.table_rows);
    }
    if ((st = md_cell(&s, &b)))
        goto done;

    if (have_curves) {
        nb_buf_add(&code, "curves = read_tsv(");
        py_path(&code, &s, STARC_RESULTS_OVEROPT_CURVES);
        nb_buf_add(&code, ")\n");
    }
    if (have_fits) {
        nb_buf_add(&code, "fits = read_tsv(");
        py_path(&code, &s, STARC_RESULTS_OVEROPT_FITS);
        nb_buf_add(&code, ")\n");
    }
    if (summary)
        load_json_code(&code, &s, STARC_RESULTS_OVEROPT_SUMMARY, "summary");
    if (have_curves) {
        if (cmethod >= 0)
            nb_buf_add(&code, "methods = list(dict.fromkeys(curves[\"" STARC_RESULTS_OVEROPT_COL_METHOD "\"]))\n"
                              "print(\"methods:\", \", \".join(methods), \"-\", len(curves[\""
                              STARC_RESULTS_OVEROPT_COL_METHOD "\"]), \"points\")\n");
        else
            nb_buf_add(&code, "print(len(next(iter(curves.values()))), \"points\")\n");
    }
    if (have_fits)
        nb_buf_add(&code, "print(\"fits:\", list(fits))\n");
    if (summary)
        nb_buf_add(&code, "print(json.dumps(summary, indent=1))\n");
    if (code.len && code.s[code.len - 1] == '\n')
        code.s[--code.len] = '\0';
    if (code.len && (st = code_cell(&s, &code, NULL)))
        goto done;

    if (have_curves && xcol && tcol && pcol) {
        size_t main = 0;
        for (size_t i = 0; i < nf; i++)
            if (strcmp(f[i].stem, STARC_RESULTS_OVEROPT_FIGURE) == 0)
                main = i;
        nb_buf_reset(&code);
        nb_buf_add(&code, "# True and proxy return changes along the pressure path");
        nb_buf_add(&code, nf && (f[main].svg || f[main].png) ? " (stored output: the gnuplot figure).\n" : ".\n");
#define METHOD "curves[\"" STARC_RESULTS_OVEROPT_COL_METHOD "\"]"
#define XD "curves[\"" STARC_RESULTS_OVEROPT_COL_D "\"][sel]"
#define XKL "np.sqrt(curves[\"" STARC_RESULTS_OVEROPT_COL_KL "\"][sel])"
        if (cmethod < 0)
            nb_buf_printf(&code, METHOD " = np.array([\"all\"] * len(curves[\"%s\"]))\n"
                                 "methods = [\"all\"]\n", tcol);
        nb_buf_printf(&code,
            "fig, ax = plt.subplots(figsize=(6.4, 4.2))\n"
            "for k, m in enumerate(methods):\n"
            "    sel = " METHOD " == m\n"
            "    x = %s\n"
            "    order = np.argsort(x, kind=\"stable\")\n"
            "    ax.plot(x[order], curves[\"%s\"][sel][order], \"-o\", ms=3, color=f\"C{k}\", label=f\"{m}: true\")\n"
            "    ax.plot(x[order], curves[\"%s\"][sel][order], \"--\", color=f\"C{k}\", label=f\"{m}: proxy\")\n",
            cd >= 0 ? XD : XKL, tcol, pcol);
        long fa = have_fits ? nb_table_col(&fits, STARC_RESULTS_OVEROPT_FIT_ALPHA) : -1;
        long fb = have_fits ? nb_table_col(&fits, STARC_RESULTS_OVEROPT_FIT_BETA) : -1;
        if (fa >= 0 && fb >= 0 && nb_table_col_numeric(&fits, (size_t)fa) && nb_table_col_numeric(&fits, (size_t)fb)) {
            long fm = nb_table_col(&fits, STARC_RESULTS_OVEROPT_COL_METHOD);
            long ff = nb_table_col(&fits, STARC_RESULTS_OVEROPT_FIT_FORM);
            const char *bon = starc_overopt_method_name(STARC_OVEROPT_BON);
            const char *target = NULL;
            /* starc overopt's name first, then names a hand-made table may use */
            static const char *tnames[] = {"curve", STARC_RESULTS_OVEROPT_FIT_TARGET, "quantity", "reward", "y", NULL};
            for (int i = 0; tnames[i] && !target; i++)
                if (nb_table_col(&fits, tnames[i]) >= 0)
                    target = tnames[i];
            /* one fit per method: Gao's form for the method (best-of-n for bon,
             * RL otherwise), of the true curve when fits name their target */
            nb_buf_printf(&code, "# Gao et al.'s fitted form for each method (" STARC_RESULTS_OVEROPT_FITS
                                 "): best-of-n for %s, RL otherwise\n"
                                 "for i in range(len(fits[\"" STARC_RESULTS_OVEROPT_FIT_ALPHA "\"])):\n", bon);
            nb_buf_add(&code, fm >= 0 ? "    m = str(fits[\"" STARC_RESULTS_OVEROPT_COL_METHOD "\"][i])\n"
                                      : "    m = methods[0]\n");
            nb_buf_printf(&code, "    form = \"" STARC_RESULTS_OVEROPT_FORM_BON "\" if m == \"%s\" else \""
                                 STARC_RESULTS_OVEROPT_FORM_RL "\"\n", bon);
            if (ff >= 0)
                nb_buf_add(&code, "    if str(fits[\"" STARC_RESULTS_OVEROPT_FIT_FORM "\"][i]).lower() != form:\n"
                                  "        continue\n");
            if (target)
                nb_buf_printf(&code, "    if str(fits[\"%s\"][i]) != \"" STARC_RESULTS_OVEROPT_TARGET_TRUE "\":\n"
                                     "        continue\n", target);
            nb_buf_printf(&code,
                "    k = methods.index(m) if m in methods else 0\n"
                "    sel = " METHOD " == m if m in methods else np.ones(len(" METHOD "), bool)\n"
                "    dmax = np.nanmax(%s)\n"
                "    if not np.isfinite(dmax) or dmax <= 0:\n"
                "        continue\n"
                "    d = np.linspace(0, dmax, 200)[1:]\n"
                "    a, b = fits[\"" STARC_RESULTS_OVEROPT_FIT_ALPHA "\"][i], fits[\"" STARC_RESULTS_OVEROPT_FIT_BETA
                "\"][i]\n"
                "    y = d * (a - b * d) if form == \"" STARC_RESULTS_OVEROPT_FORM_BON
                "\" else d * (a - b * np.log(d))\n"
                "    ax.plot(d, y, \":\", color=f\"C{k}\", label=f\"{m}: Gao {form} fit%s\")\n",
                cd >= 0 ? XD : XKL, target ? " (true)" : "");
        }
#undef METHOD
#undef XD
#undef XKL
        nb_buf_printf(&code,
            "ax.axhline(0, color=\"0.6\", lw=0.8)\n"
            "ax.set_xlabel(\"d = sqrt(KL) from the base policy\")\n"
            "ax.set_ylabel(\"%s\")\n"
            "ax.legend(fontsize=8)\n"
            "fig.tight_layout()\n"
            "plt.show()",
            strcmp(tcol, STARC_RESULTS_OVEROPT_COL_TRUE_DELTA) == 0 ? "change of return from the base policy"
                                                                    : "return");
        st = figure_cells(&s, x, &code, f, nf, main);
        goto done;
    }
    st = figure_cells(&s, x, NULL, f, nf, 0);
done:
    st = section_end(&s, st);
    json_decref(summary);
    figs_free(f, nf);
    nb_table_free(&curves);
    nb_table_free(&fits);
    nb_buf_free(&b);
    nb_buf_free(&code);
    return st;
}

/* ---- file results ---------------------------------------------------------------- */

/* What a JSON object is, by its keys (README.md, "Using it"); NULL if no starc result. */
static const char *json_kind(json_t *j)
{
    if (!json_is_object(j))
        return NULL;
#define HAS(key) (json_object_get(j, key) != NULL)
    if (HAS(STARC_RESULTS_DISTANCE_KEY_MATRIX) && HAS(STARC_RESULTS_DISTANCE_KEY_NAMES))
        return STARC_RESULTS_KIND_DISTANCE;
    if (HAS(STARC_RESULTS_PROXY_KEY_SIGMA_TRUE) || HAS(STARC_RESULTS_PROXY_KEY_PROXY_OPTIMAL))
        return STARC_RESULTS_KIND_PROXY;
    if (HAS(STARC_RESULTS_REGULARIZE_KEY_METHOD) && HAS(STARC_RESULTS_REGULARIZE_KEY_COEF) &&
        HAS(STARC_RESULTS_REGULARIZE_KEY_OBJECTIVE))
        return STARC_RESULTS_KIND_REGULARIZE;
    if (HAS(STARC_RESULTS_REGRET_KEY_REGRET) && HAS(STARC_RESULTS_REGRET_KEY_TRUE_OPTIMAL))
        return STARC_RESULTS_KIND_REGRET;
#undef HAS
    json_t *d = json_object_get(j, STARC_RESULTS_DISTANCE_KEY_DISTANCE);
    if (d && (json_is_number(d) || json_is_null(d)))
        return STARC_RESULTS_KIND_PAIR;
    return NULL;
}

/* A distance matrix from {"names": [...], "matrix": [[...]]} (null = undefined). */
static int parse_matrix_json(json_t *j, matrix *M, char ***names_out, const char *name, starc_error *err)
{
    json_t *names = json_object_get(j, STARC_RESULTS_DISTANCE_KEY_NAMES);
    json_t *mat = json_object_get(j, STARC_RESULTS_DISTANCE_KEY_MATRIX);
    M->D = NULL;
    M->names = NULL;
    *names_out = NULL;
    if (!json_is_array(names) || !json_is_array(mat))
        return nb_fail(err, STARC_EFORMAT, "%s: \"" STARC_RESULTS_DISTANCE_KEY_NAMES "\" and \""
                       STARC_RESULTS_DISTANCE_KEY_MATRIX "\" must be arrays", name);
    size_t n = json_array_size(names);
    M->n = n;
    if (n == 0 || json_array_size(mat) != n)
        return nb_fail(err, STARC_EFORMAT, "%s: %zu names but %zu matrix rows", name, n, json_array_size(mat));
    char **nm = calloc(n, sizeof *nm);
    M->D = malloc(n * n * sizeof *M->D);
    if (!nm || !M->D) {
        free(nm);
        free(M->D);
        M->D = NULL;
        return nb_fail(err, STARC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(names, i), *row = json_array_get(mat, i);
        if (!json_is_string(s)) {
            free(nm);
            free(M->D);
            M->D = NULL;
            return nb_fail(err, STARC_EFORMAT, "%s: names[%zu] is not a string", name, i);
        }
        nm[i] = (char *)json_string_value(s);
        if (!json_is_array(row) || json_array_size(row) != n) {
            free(nm);
            free(M->D);
            M->D = NULL;
            return nb_fail(err, STARC_EFORMAT, "%s: matrix row %zu does not have %zu entries", name, i, n);
        }
        for (size_t k = 0; k < n; k++) {
            json_t *v = json_array_get(row, k);
            if (json_is_number(v))
                M->D[i * n + k] = json_number_value(v);
            else if (json_is_null(v))
                M->D[i * n + k] = NAN;
            else {
                free(nm);
                free(M->D);
                M->D = NULL;
                return nb_fail(err, STARC_EFORMAT, "%s: matrix[%zu][%zu] is not a number or null", name, i, k);
            }
        }
    }
    M->names = nm;
    *names_out = nm;
    return STARC_OK;
}

/* Try a file as a result.  *recognised tells whether it was one (a file
 * that is none is an error for the argument itself, a skip in a collection). */
static int file_section(exporter *x, const char *path, const char *sub, int *recognised)
{
    *recognised = 0;
    starc_error local;
    starc_error_clear(&local);
    char *base = nb_basename(path), *dir = nb_dirname(path);
    char *text = NULL;
    size_t len = 0;
    json_t *j = NULL;
    nb_table t;
    memset(&t, 0, sizeof t);
    matrix M = {0, NULL, NULL};
    char **jnames = NULL;
    int st = STARC_OK;
    const char *kind = NULL;
    double pair_d = NAN;
    if (!base || !dir) {
        st = oom(x);
        goto done;
    }
    if ((st = nb_slurp(path, NB_SMALL_MAX, &text, &len, x->err)))
        goto done;
    if (strcmp(ext_of(base), ".json") == 0) {
        json_error_t je;
        j = json_loadb(text, len, 0, &je);
        if (!j) {
            st = nb_fail(x->err, STARC_EFORMAT, "%s: line %d: %s", path, je.line, je.text);
            goto done;
        }
        kind = json_kind(j);
        if (!kind) {
            st = nb_fail(x->err, STARC_EINVAL, "%s: not a starc result (unknown JSON keys)", path);
            goto done;
        }
        *recognised = 1;
        if (strcmp(kind, STARC_RESULTS_KIND_DISTANCE) == 0 && (st = parse_matrix_json(j, &M, &jnames, path, x->err)))
            goto done;
        if (strcmp(kind, STARC_RESULTS_KIND_PAIR) == 0) {
            json_t *d = json_object_get(j, STARC_RESULTS_DISTANCE_KEY_DISTANCE);
            pair_d = json_is_number(d) ? json_number_value(d) : NAN;
        }
    } else {
        if (nb_table_parse(text, len, path, &t, &local)) {
            st = nb_fail(x->err, STARC_EINVAL, "%s: not a starc result (%s)", path, local.message);
            goto done;
        }
        double v;
        if (t.nrow == 0 && t.ncol == 1 && nb_parse_number(t.head[0], &v)) {
            kind = STARC_RESULTS_KIND_PAIR;
            pair_d = v;
        } else if (parse_matrix_tsv(&t, &M, path, &local) == STARC_OK) {
            kind = STARC_RESULTS_KIND_DISTANCE;
        } else {
            st = nb_fail(x->err, local.status == STARC_ENOMEM ? STARC_ENOMEM : STARC_EINVAL,
                         "%s: not a starc result (%s)", path, local.message);
            goto done;
        }
        *recognised = 1;
    }

    section s;
    if ((st = section_begin(x, &s, kind, path, sub)))
        goto end;
    char *name = safe_name(base);
    if (!name) {
        st = oom(x);
        goto end;
    }
    char sha[65];
    nb_sha256_hex(text, len, sha);
    char *dst = nb_join(s.dir, name);
    if (!dst || (st = nb_write(dst, text, len, x->err)) || (st = record(&s, name, sha, len, 1, s.shown))) {
        st = st ? st : oom(x);
        free(dst);
        free(name);
        goto end;
    }
    free(dst);
    if (strcmp(kind, STARC_RESULTS_KIND_DISTANCE) == 0) {
        nb_buf load;
        nb_buf_init(&load);
        if (j) {
            load_json_code(&load, &s, name, "res");
            nb_buf_add(&load, "names = res[\"" STARC_RESULTS_DISTANCE_KEY_NAMES "\"]\n"
                              "D = np.array(res[\"" STARC_RESULTS_DISTANCE_KEY_MATRIX
                              "\"], dtype=float)  # null -> nan (undefined)\n");
        } else {
            nb_buf_add(&load, "names, D = read_matrix(");
            py_path(&load, &s, name);
            nb_buf_add(&load, ")\n");
        }
        nb_buf_add(&load, "print(\"rewards:\", \", \".join(names))\n"
                          "with np.printoptions(precision=4, suppress=True, linewidth=120):\n"
                          "    print(D)");
        char *stem = strip_ext(base);
        st = stem ? distance_cells(&s, &M, &load, dir, stem) : oom(x);
        free(stem);
        nb_buf_free(&load);
    } else if (strcmp(kind, STARC_RESULTS_KIND_PAIR) == 0) {
        st = pair_cells(&s, pair_d, j != NULL, name);
    } else {
        st = json_cells(&s, j, name);
    }
    free(name);
end:
    st = section_end(&s, st);
done:
    free(base);
    free(dir);
    free(text);
    json_decref(j);
    nb_table_free(&t);
    free(M.D);
    free(jnames);
    return st;
}

/* ---- finding results ---------------------------------------------------------------- */

static int has_file(const char *dir, const char *name)
{
    char *p = nb_join(dir, name);
    int r = p && nb_is_file(p);
    free(p);
    return r;
}

static int is_study_dir(const char *dir)
{
    return has_file(dir, STARC_RESULTS_STUDY_PAIRS) || has_file(dir, STARC_RESULTS_STUDY_CORRELATIONS);
}

static int is_overopt_dir(const char *dir)
{
    return has_file(dir, STARC_RESULTS_OVEROPT_CURVES);
}

/* Is dir an earlier export's data directory (never a result)? */
static int is_data_dir(const char *dir)
{
    return has_file(dir, STARC_RESULTS_NOTEBOOK_MANIFEST);
}

static int add_skipped(exporter *x, const char *sub)
{
    char *p = nb_join(x->result_name, sub);
    if (!p)
        return oom(x);
    json_array_append_new(x->skipped, jstr(p));
    free(p);
    return STARC_OK;
}

/* Walk a directory of results: result directories become sections, other
 * directories are searched, .tsv/.json/.txt files are tried as results. */
static int walk(exporter *x, const char *dir, const char *sub, int depth)
{
    char **names;
    size_t n;
    int st = nb_list_dir(dir, &names, &n, x->err);
    for (size_t i = 0; i < n && !st; i++) {
        const char *name = names[i];
        if (name[0] == '.')
            continue;
        char *path = nb_join(dir, name);
        char *child = *sub ? nb_join(sub, name) : strdup(name);
        if (!path || !child) {
            free(path);
            free(child);
            st = oom(x);
            break;
        }
        if (nb_is_dir(path)) {
            if (is_data_dir(path))
                ;
            else if (is_study_dir(path))
                st = study_section(x, path, child);
            else if (is_overopt_dir(path))
                st = overopt_section(x, path, child);
            else if (depth < NB_MAX_DEPTH)
                st = walk(x, path, child, depth + 1);
        } else if (nb_is_file(path)) {
            const char *e = ext_of(name);
            if (strcmp(e, ".tsv") == 0 || strcmp(e, ".json") == 0 || strcmp(e, ".txt") == 0) {
                int recognised;
                st = file_section(x, path, child, &recognised);
                if (st && !recognised && st != STARC_ENOMEM && st != STARC_EIO) {
                    starc_error_clear(x->err);
                    st = add_skipped(x, child);
                }
            }
        }
        free(path);
        free(child);
    }
    nb_free_list(names, n);
    return st;
}

/* The argument: a result directory, a directory of results, a file inside a
 * result directory (its directory is exported), or a result file. */
static int find_results(exporter *x, const char *result)
{
    if (nb_is_dir(result)) {
        if (is_data_dir(result))
            return nb_fail(x->err, STARC_EINVAL, "%s: is a notebook data directory, not a result", result);
        if (is_study_dir(result))
            return study_section(x, result, "");
        if (is_overopt_dir(result))
            return overopt_section(x, result, "");
        x->collection = 1;
        return walk(x, result, "", 1);
    }
    if (!nb_is_file(result)) {
        if (access(result, F_OK) != 0)
            return nb_fail(x->err, STARC_EINVAL, "%s: %s", result, strerror(errno));
        return nb_fail(x->err, STARC_EINVAL, "%s: not a file or directory", result);
    }
    char *base = nb_basename(result), *dir = nb_dirname(result);
    int st, is_study = 0;
    if (!base || !dir)
        st = oom(x);
    else if ((is_study = strcmp(base, STARC_RESULTS_STUDY_PAIRS) == 0 ||
                         strcmp(base, STARC_RESULTS_STUDY_CORRELATIONS) == 0 ||
                         (strcmp(base, STARC_RESULTS_STUDY_SUMMARY) == 0 && is_study_dir(dir))) ||
             ((strcmp(base, STARC_RESULTS_OVEROPT_CURVES) == 0 || strcmp(base, STARC_RESULTS_OVEROPT_FITS) == 0 ||
               strcmp(base, STARC_RESULTS_OVEROPT_SUMMARY) == 0) && is_overopt_dir(dir))) {
        /* a file of a result directory: export the directory, shown by its name */
        char *dbase = nb_basename(dir);
        if (!dbase) {
            st = oom(x);
        } else {
            free(x->result_name);
            x->result_name = dbase;
            st = is_study ? study_section(x, dir, "") : overopt_section(x, dir, "");
        }
    } else {
        int recognised;
        st = file_section(x, result, "", &recognised);
    }
    free(base);
    free(dir);
    return st;
}

/* ---- the notebook ---------------------------------------------------------------- */

static const char *SETUP =
    "# Set-up: numpy, matplotlib and readers for the data files beside this notebook.\n"
    "import json\n"
    "\n"
    "import matplotlib.pyplot as plt\n"
    "import numpy as np\n"
    "\n"
    "DATA = ";
/* ... the data directory's name as a Python string, then: */
static const char *SETUP2 =
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

static int header_cells(exporter *x, json_t *cells)
{
    nb_buf b;
    nb_buf_init(&b);
    size_t nsec = json_array_size(x->sections);
    if (x->o.title) {
        nb_buf_add(&b, "# ");
        nb_buf_md(&b, x->o.title);
        nb_buf_add(&b, "\n\n");
    } else if (x->collection) {
        nb_buf_add(&b, "# libstarc results: ");
        nb_buf_md(&b, x->result_name);
        nb_buf_add(&b, "\n\n");
    } else {
        nb_buf_add(&b, "# libstarc result: ");
        nb_buf_md(&b, x->result_name);
        nb_buf_add(&b, "\n\n");
    }
    nb_buf_printf(&b, "Exported by `starc notebook` (libstarc %s) from %zu result%s", starc_version(), nsec,
                  nsec == 1 ? "" : "s");
    if (x->collection) {
        nb_buf_add(&b, ":\n\n");
        for (size_t i = 0; i < nsec; i++) {
            json_t *e = json_array_get(x->sections, i);
            nb_buf_add(&b, "- ");
            nb_buf_md(&b, json_string_value(json_object_get(e, STARC_RESULTS_NOTEBOOK_KEY_PATH)));
            nb_buf_printf(&b, " (%s)\n", json_string_value(json_object_get(e, STARC_RESULTS_NOTEBOOK_KEY_KIND)));
        }
        nb_buf_add(&b, "\n");
    } else {
        nb_buf_add(&b, ".\n\n");
    }
    if (x->o.command) {
        nb_buf_add(&b, "Command:\n\n");
        for (const char *p = x->o.command; *p;) {
            size_t n = strcspn(p, "\n");
            nb_buf_add(&b, "    ");
            nb_buf_addn(&b, p, n);
            nb_buf_add(&b, "\n");
            p += n;
            if (*p)
                p++;
        }
        nb_buf_add(&b, "\n");
    }
    nb_buf_add(&b, "Inputs:\n\n| file | bytes | SHA-256 |\n|---|---|---|\n");
    for (size_t i = 0; i < json_array_size(x->inputs); i++) {
        json_t *e = json_array_get(x->inputs, i);
        nb_buf_add(&b, "| ");
        nb_buf_md(&b, json_string_value(json_object_get(e, STARC_RESULTS_NOTEBOOK_KEY_PATH)));
        nb_buf_printf(&b, " | %" JSON_INTEGER_FORMAT " | `%s` |\n",
                      json_integer_value(json_object_get(e, STARC_RESULTS_NOTEBOOK_KEY_BYTES)),
                      json_string_value(json_object_get(e, STARC_RESULTS_NOTEBOOK_KEY_SHA256)));
    }
    nb_buf_add(&b, "\nThe data are copied beside this notebook in `");
    nb_buf_add(&b, x->data_name); /* a safe name */
    nb_buf_add(&b, "/` (with their SHA-256 in `" STARC_RESULTS_NOTEBOOK_MANIFEST "`). Each figure cell holds the "
                   "gnuplot rendering "
                   "as its stored output, so the notebook reads without being run; running it loads the data "
                   "with numpy and redraws the figures with matplotlib.\n");
    int st = add_cell(x, cells, "markdown", &b, NULL);
    nb_buf_reset(&b);
    nb_buf_add(&b, SETUP);
    nb_buf_py(&b, x->data_name);
    nb_buf_add(&b, SETUP2);
    if (!st)
        st = add_cell(x, cells, "code", &b, NULL);
    nb_buf_free(&b);
    return st;
}

/* Deterministic cell ids: index and a hash of the cell's type and source. */
static int assign_ids(exporter *x, json_t *cells)
{
    for (size_t i = 0; i < json_array_size(cells); i++) {
        json_t *c = json_array_get(cells, i), *src = json_object_get(c, "source");
        nb_buf b;
        nb_buf_init(&b);
        nb_buf_add(&b, json_string_value(json_object_get(c, "cell_type")));
        nb_buf_add(&b, "\n");
        for (size_t k = 0; k < json_array_size(src); k++)
            nb_buf_add(&b, json_string_value(json_array_get(src, k)));
        if (!nb_buf_ok(&b)) {
            nb_buf_free(&b);
            return oom(x);
        }
        char hex[65], id[64];
        nb_sha256_hex(b.s, b.len, hex);
        nb_buf_free(&b);
        snprintf(id, sizeof id, "c%02zu-%.12s", i, hex);
        json_object_set_new(c, "id", json_string(id));
    }
    return STARC_OK;
}

static json_t *build_notebook(exporter *x)
{
    json_t *cells = json_array();
    if (!cells || header_cells(x, cells) || json_array_extend(cells, x->cells) || assign_ids(x, cells)) {
        json_decref(cells);
        return NULL;
    }
    json_t *nb = json_object(), *meta = json_object(), *ks = json_object(), *li = json_object(), *pv = json_object();
    json_object_set_new(ks, "display_name", json_string("Python 3 (ipykernel)"));
    json_object_set_new(ks, "language", json_string("python"));
    json_object_set_new(ks, "name", json_string("python3"));
    json_object_set_new(li, "name", json_string("python"));
    json_object_set_new(pv, "version", json_string(starc_version()));
    json_object_set_new(pv, "command", x->o.command ? jstr(x->o.command) : json_null());
    json_object_set_new(pv, "result", jstr(x->result_name));
    json_object_set_new(pv, STARC_RESULTS_NOTEBOOK_KEY_DATA_DIR, json_string(x->data_name));
    json_object_set_new(pv, STARC_RESULTS_NOTEBOOK_KEY_INPUTS, json_deep_copy(x->inputs));
    json_object_set_new(pv, STARC_RESULTS_NOTEBOOK_KEY_SECTIONS, json_deep_copy(x->sections));
    json_object_set_new(meta, "kernelspec", ks);
    json_object_set_new(meta, "language_info", li);
    json_object_set_new(meta, STARC_RESULTS_NOTEBOOK_KEY_METADATA, pv);
    json_object_set_new(nb, "cells", cells);
    json_object_set_new(nb, "metadata", meta);
    json_object_set_new(nb, "nbformat", json_integer(4));
    json_object_set_new(nb, "nbformat_minor", json_integer(5));
    return nb;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int write_manifest(exporter *x)
{
    /* sha256sum's format, sorted by path */
    nb_buf b;
    nb_buf_init(&b);
    json_t *keys = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(x->manifest, k, v)
        json_array_append_new(keys, json_string(k));
    size_t n = json_array_size(keys);
    const char **ks = malloc((n + 1) * sizeof *ks);
    if (!ks) {
        json_decref(keys);
        return oom(x);
    }
    for (size_t i = 0; i < n; i++)
        ks[i] = json_string_value(json_array_get(keys, i));
    qsort(ks, n, sizeof *ks, cmp_str_ptr);
    for (size_t i = 0; i < n; i++)
        nb_buf_printf(&b, "%s  %s\n", json_string_value(json_object_get(x->manifest, ks[i])), ks[i]);
    free(ks);
    json_decref(keys);
    char *path = nb_join(x->data_tmp, STARC_RESULTS_NOTEBOOK_MANIFEST);
    int st = !path || !nb_buf_ok(&b) ? oom(x) : nb_write(path, b.s ? b.s : "", b.len, x->err);
    free(path);
    nb_buf_free(&b);
    return st;
}

/* ---- export ------------------------------------------------------------------------- */

static void exporter_free(exporter *x)
{
    free(x->result_name);
    free(x->data_tmp);
    free(x->data_name);
    free(x->gp_prog);
    json_decref(x->cells);
    json_decref(x->inputs);
    json_decref(x->manifest);
    json_decref(x->sections);
    json_decref(x->skipped);
    json_decref(x->warnings);
    json_decref(x->ids);
}

/* The name inputs are shown under: the argument's last component. */
static char *result_display_name(const char *result)
{
    char *b = nb_basename(result);
    if (b && (strcmp(b, ".") == 0 || strcmp(b, "..") == 0 || strcmp(b, "/") == 0)) {
        char *real = realpath(result, NULL);
        if (real) {
            free(b);
            b = nb_basename(real);
            free(real);
        }
    }
    return b;
}

/* Write text to a new temporary file next to path; *tmp gets its name. */
static int write_temp(exporter *x, const char *dir, const char *base, const char *text, size_t len, char **tmp)
{
    size_t n = strlen(dir) + strlen(base) + 16;
    *tmp = malloc(n);
    if (!*tmp)
        return oom(x);
    snprintf(*tmp, n, "%s/.%s.tmpXXXXXX", dir, base);
    int fd = mkstemp(*tmp);
    if (fd < 0) {
        int e = errno;
        free(*tmp);
        *tmp = NULL;
        return nb_fail(x->err, STARC_EIO, "%s: cannot create a file there: %s", dir, strerror(e));
    }
    if (fchmod(fd, 0644) != 0) { /* mkstemp's 0600 would hide the notebook from others */
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            unlink(*tmp);
            return nb_fail(x->err, STARC_EIO, "%s: write failed", *tmp);
        }
        off += (size_t)w;
    }
    if (close(fd) != 0) {
        unlink(*tmp);
        return nb_fail(x->err, STARC_EIO, "%s: write failed", *tmp);
    }
    return STARC_OK;
}

int nb_export(const char *result, const char *out, const nb_options *opt, json_t **report, starc_error *err)
{
    exporter X;
    exporter *x = &X;
    memset(x, 0, sizeof *x);
    if (opt)
        x->o = *opt;
    else
        nb_options_default(&x->o);
    if (x->o.table_rows == 0)
        x->o.table_rows = 1;
    x->err = err;
    x->result = result;
    starc_error_clear(err);
    if (report)
        *report = NULL;
    if (!result || !*result || !out || !*out)
        return nb_fail(err, STARC_EINVAL, "nb_export: missing result or output path");

    char *outdir = nb_dirname(out), *outbase = nb_basename(out), *stem = NULL, *data_path = NULL;
    char *nbtmp = NULL, *trash = NULL, *text = NULL;
    json_t *nb = NULL;
    int st = STARC_OK, tmp_made = 0;
    if (!outdir || !outbase) {
        st = oom(x);
        goto done;
    }
    if (nb_is_dir(out)) {
        st = nb_fail(err, STARC_EINVAL, "%s: is a directory; give the notebook's file name", out);
        goto done;
    }
    if (!nb_is_dir(outdir)) {
        st = nb_fail(err, STARC_EINVAL, "%s: no such directory", outdir);
        goto done;
    }
    size_t bl = strlen(outbase);
    stem = nb_ends_with(outbase, ".ipynb") && bl > 6 ? strndup(outbase, bl - 6) : strdup(outbase);
    size_t dl = stem ? strlen(stem) + sizeof STARC_RESULTS_NOTEBOOK_DATA_SUFFIX : 0;
    char *dn = stem ? malloc(dl) : NULL;
    if (dn)
        snprintf(dn, dl, "%s" STARC_RESULTS_NOTEBOOK_DATA_SUFFIX, stem);
    x->data_name = dn ? safe_name(dn) : NULL;
    free(dn);
    x->result_name = result_display_name(result);
    x->cells = json_array();
    x->inputs = json_array();
    x->manifest = json_object();
    x->sections = json_array();
    x->skipped = json_array();
    x->warnings = json_array();
    x->ids = json_object();
    if (!x->data_name || !x->result_name || !x->cells || !x->inputs || !x->manifest || !x->sections ||
        !x->skipped || !x->warnings || !x->ids ||
        !(data_path = strchr(out, '/') ? nb_join(outdir, x->data_name) : strdup(x->data_name))) {
        st = oom(x);
        goto done;
    }
    struct stat sb;
    if (lstat(data_path, &sb) == 0 && !(S_ISDIR(sb.st_mode) && is_data_dir(data_path))) {
        st = nb_fail(err, STARC_EINVAL, "%s: exists and was not written by starc notebook; remove it or choose "
                                        "another output name", data_path);
        goto done;
    }
    size_t tl = strlen(outdir) + strlen(x->data_name) + 16;
    if (!(x->data_tmp = malloc(tl))) {
        st = oom(x);
        goto done;
    }
    snprintf(x->data_tmp, tl, "%s/.%s.tmpXXXXXX", outdir, x->data_name);
    if (!mkdtemp(x->data_tmp)) {
        st = nb_fail(err, STARC_EIO, "%s: cannot create a directory there: %s", outdir, strerror(errno));
        goto done;
    }
    tmp_made = 1;
    chmod(x->data_tmp, 0755);

    if ((st = find_results(x, result)))
        goto done;
    if (json_array_size(x->sections) == 0) {
        st = nb_fail(err, STARC_EINVAL, "%s: no starc result found (distance matrix, study, proxy, regularize, "
                                        "regret or overopt output)", result);
        goto done;
    }
    if ((st = write_manifest(x)))
        goto done;
    if (!(nb = build_notebook(x)) ||
        !(text = json_dumps(nb, JSON_INDENT(1) | JSON_SORT_KEYS))) {
        st = err && err->status ? err->status : oom(x);
        goto done;
    }
    size_t len = strlen(text);
    char *t2 = realloc(text, len + 2);
    if (!t2) {
        st = oom(x);
        goto done;
    }
    text = t2;
    text[len++] = '\n';
    text[len] = '\0';
    if ((st = write_temp(x, outdir, outbase, text, len, &nbtmp)))
        goto done;

    /* into place: the data directory, then the notebook */
    if (lstat(data_path, &sb) == 0) {
        size_t n = strlen(outdir) + strlen(x->data_name) + 16;
        if (!(trash = malloc(n))) {
            st = oom(x);
            goto done;
        }
        snprintf(trash, n, "%s/.%s.oldXXXXXX", outdir, x->data_name);
        if (!mkdtemp(trash) || rename(data_path, trash) != 0) {
            st = nb_fail(err, STARC_EIO, "%s: cannot replace: %s", data_path, strerror(errno));
            if (trash[strlen(trash) - 1] != 'X')
                rmdir(trash);
            free(trash);
            trash = NULL;
            goto done;
        }
    }
    if (rename(x->data_tmp, data_path) != 0) {
        st = nb_fail(err, STARC_EIO, "%s: cannot rename into place: %s", data_path, strerror(errno));
        if (trash)
            rename(trash, data_path);
        goto done;
    }
    tmp_made = 0;
    if (rename(nbtmp, out) != 0) {
        st = nb_fail(err, STARC_EIO, "%s: cannot rename into place: %s", out, strerror(errno));
        nb_rmtree(data_path);
        if (trash)
            rename(trash, data_path);
        goto done;
    }
    free(nbtmp);
    nbtmp = NULL;
    if (trash)
        nb_rmtree(trash);

    if (report) {
        json_t *r = json_object();
        json_object_set_new(r, STARC_RESULTS_NOTEBOOK_KEY_NOTEBOOK, jstr(out));
        json_object_set_new(r, STARC_RESULTS_NOTEBOOK_KEY_DATA_DIR, jstr(data_path));
        json_object_set(r, STARC_RESULTS_NOTEBOOK_KEY_SECTIONS, x->sections);
        json_object_set(r, STARC_RESULTS_NOTEBOOK_KEY_INPUTS, x->inputs);
        json_object_set(r, STARC_RESULTS_NOTEBOOK_KEY_SKIPPED, x->skipped);
        json_object_set(r, STARC_RESULTS_NOTEBOOK_KEY_WARNINGS, x->warnings);
        *report = r;
    }
done:
    if (tmp_made)
        nb_rmtree(x->data_tmp);
    if (nbtmp) {
        unlink(nbtmp);
        free(nbtmp);
    }
    free(trash);
    free(text);
    json_decref(nb);
    free(outdir);
    free(outbase);
    free(stem);
    free(data_path);
    exporter_free(x);
    return st;
}
