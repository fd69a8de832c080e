/* The umbrella header compiles as strict C99 (built with -std=c99 -pedantic -Werror),
 * its macros included (starc/results.h defines only macros). */
#include <starc/starc.h>
static const char headline[] = STARC_RESULTS_STUDY_HEADLINE;
static const char columns[] = STARC_RESULTS_OVEROPT_POINT_COLUMNS;
int main(void)
{
    return starc_error_string(STARC_OK) && headline[3] == STARC_RESULTS_VARIANT_SEP && columns[0] ? 0 : 1;
}
