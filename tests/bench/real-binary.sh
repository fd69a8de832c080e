# Sourced by the benchmark scripts.  real_binary PATH sets REAL_BINARY to the
# program to time for PATH.  In a build tree tools/starc is libtool's
# wrapper, a bash script that sets up the library path and then runs
# tools/.libs/starc: the wrapper alone adds about 11 ms to every run, which
# users of an installed starc never pay.  For such a wrapper REAL_BINARY is
# the binary it runs, and LD_LIBRARY_PATH is exported with the library it was
# built against first; any other PATH is used as given.
real_binary() {
    REAL_BINARY=$1
    if head -n 5 "$1" 2>/dev/null | grep -q 'temporary wrapper script'; then
        rb_dir=$(cd "$(dirname "$1")" && pwd)
        REAL_BINARY="$rb_dir/.libs/$(basename "$1")"
        LD_LIBRARY_PATH="$(cd "$rb_dir/../libstarc/.libs" && pwd)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        export LD_LIBRARY_PATH
    fi
}
