/* Markdown tables and citations shared by the sections (markdown.h). */
#include <config.h>

#include "markdown.h"

const char NB_CITE_STARC[] =
    "Skalse et al., *STARC: A General Framework For Quantifying Differences Between Reward Functions*, "
    "ICLR 2024, [arXiv:2309.15257](https://arxiv.org/abs/2309.15257)";
const char NB_CITE_EPIC[] =
    "Gleave et al., *Quantifying Differences in Reward Functions*, ICLR 2021, "
    "[arXiv:2006.13900](https://arxiv.org/abs/2006.13900)";
const char NB_CITE_DARD[] =
    "Wulfe et al., *Dynamics-Aware Comparison of Learned Reward Functions*, ICLR 2022, "
    "[arXiv:2201.10081](https://arxiv.org/abs/2201.10081)";
const char NB_CITE_CP[] =
    "Laidlaw, Singhal, Dragan, *Correlated Proxies: A New Definition and Improved Mitigation for Reward "
    "Hacking*, ICLR 2025, [arXiv:2403.03185](https://arxiv.org/abs/2403.03185)";
const char NB_CITE_GAO[] =
    "Gao, Schulman, Hilton, *Scaling Laws for Reward Model Overoptimization*, ICML 2023, "
    "[arXiv:2210.10760](https://arxiv.org/abs/2210.10760)";

void nb_md_rule(nb_buf *b, size_t ncol)
{
    nb_buf_add(b, "|");
    for (size_t j = 0; j < ncol; j++)
        nb_buf_add(b, "---|");
    nb_buf_add(b, "\n");
}

void nb_md_field(nb_buf *b, const char *s)
{
    double v;
    if (nb_parse_number(s, &v))
        nb_buf_num(b, v);
    else
        nb_buf_md(b, NB_MD_TEXT, s);
}

void nb_md_table_head(nb_buf *b, const nb_table *t)
{
    nb_buf_add(b, "|");
    for (size_t j = 0; j < t->ncol; j++) {
        nb_buf_add(b, " ");
        nb_buf_md(b, NB_MD_TEXT, t->head[j]);
        nb_buf_add(b, " |");
    }
    nb_buf_add(b, "\n");
    nb_md_rule(b, t->ncol);
}

void nb_md_table_row(nb_buf *b, const nb_table *t, size_t i)
{
    nb_buf_add(b, "|");
    for (size_t j = 0; j < t->ncol; j++) {
        nb_buf_add(b, " ");
        if (j < t->nf[i])
            nb_md_field(b, t->rows[i][j]);
        nb_buf_add(b, " |");
    }
    nb_buf_add(b, "\n");
}

void nb_md_tsv(nb_buf *b, const nb_table *t, size_t max)
{
    nb_md_table_head(b, t);
    for (size_t i = 0; i < t->nrow && i < max; i++)
        nb_md_table_row(b, t, i);
    if (t->nrow > max)
        nb_buf_printf(b, "\n(%zu more rows in the data cell below.)\n", t->nrow - max);
    nb_buf_add(b, "\n");
}

/* A JSON value in a table cell; arrays of up to 6 entries inline. */
static void md_json_value(nb_buf *b, json_t *v)
{
    if (json_is_number(v))
        nb_buf_num(b, json_number_value(v));
    else if (json_is_string(v))
        nb_buf_md(b, NB_MD_TEXT, json_string_value(v));
    else if (json_is_true(v))
        nb_buf_add(b, "true");
    else if (json_is_false(v))
        nb_buf_add(b, "false");
    else if (json_is_null(v))
        nb_buf_add(b, "null (undefined)");
    else if (json_is_array(v) && json_array_size(v) > 6)
        nb_buf_printf(b, "%zu values", json_array_size(v));
    else if (json_is_array(v)) {
        nb_buf_add(b, "\\[");
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *e = json_array_get(v, i);
            if (i)
                nb_buf_add(b, ", ");
            if (json_is_number(e))
                nb_buf_num(b, json_number_value(e));
            else if (json_is_string(e))
                nb_buf_md(b, NB_MD_TEXT, json_string_value(e));
            else
                nb_buf_add(b, json_is_null(e) ? "null" : "…");
        }
        nb_buf_add(b, "\\]");
    }
}

/* The rows of an object (nested objects flattened, keys dotted); *rows counts
 * every leaf, shown or not. */
static void md_json_rows(nb_buf *b, json_t *obj, const char *prefix, size_t *rows, size_t max)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        nb_buf k;
        nb_buf_init(&k);
        nb_buf_printf(&k, "%s%s%s", prefix, *prefix ? "." : "", key);
        if (json_is_object(v)) {
            md_json_rows(b, v, nb_buf_str(&k), rows, max);
        } else {
            if (*rows < max) {
                nb_buf_add(b, "| ");
                nb_buf_md(b, NB_MD_TEXT, nb_buf_str(&k));
                nb_buf_add(b, " | ");
                md_json_value(b, v);
                nb_buf_add(b, " |\n");
            }
            (*rows)++;
        }
        nb_buf_free(&k);
    }
}

void nb_md_json_table(nb_buf *b, json_t *obj, size_t max)
{
    size_t rows = 0;
    nb_buf_add(b, "| quantity | value |\n");
    nb_md_rule(b, 2);
    md_json_rows(b, obj, "", &rows, max);
    if (rows > max)
        nb_buf_printf(b, "\n(%zu more entries in the data cell below.)\n", rows - max);
    nb_buf_add(b, "\n");
}
