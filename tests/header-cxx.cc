// The umbrella header compiles as C++ and links against the C library's names.
#include <starc/starc.h>
int main() { return starc_strerror(STARC_OK) ? 0 : 1; }
