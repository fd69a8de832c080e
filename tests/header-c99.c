/* The umbrella header compiles as strict C99 (built with -std=c99 -pedantic -Werror). */
#include <starc/starc.h>
int main(void) { return starc_strerror(STARC_OK) ? 0 : 1; }
