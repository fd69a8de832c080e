"""The package's view of the C API is the headers': its declarations (starc._lib.PROTOTYPES,
the text its ctypes signatures are made from) are compiled against <starc/starc.h>, where a
declaration that disagrees with the header is a "conflicting types" error, and every
structure's size and field offsets are checked with _Static_assert.  A header change the
package does not follow fails here instead of corrupting memory at run time."""

import ctypes
import os
import shlex
import subprocess
import tempfile
import unittest

import starc
from starc import _lib


def c_source():
    lines = ["#include <stddef.h>", "#include <stdint.h>", "#include <starc/starc.h>",
             "#if defined(__has_include)", "#if __has_include(<starc/fit.h>)", "#include <starc/fit.h>", "#endif",
             "#endif", "", "/* the package's declarations, verbatim */", _lib.PROTOTYPES]
    lines.append("/* the package's structure layouts (ctypes) */")
    for cls, cname, group in _lib.STRUCTS:
        guard = group
        if guard:
            lines.append(f"#ifdef {guard}")
        lines.append(f'_Static_assert(sizeof({cname}) == {ctypes.sizeof(cls)}, "sizeof({cname}) is not '
                     f'{ctypes.sizeof(cls)}");')
        for name, _ in cls._fields_:
            off = getattr(cls, name).offset
            lines.append(f'_Static_assert(offsetof({cname}, {name}) == {off}, "offsetof({cname}, {name}) is not '
                         f'{off}");')
        if guard:
            lines.append("#endif")
    return "\n".join(lines) + "\n"


class ABI(unittest.TestCase):
    def test_every_function_is_exported(self):
        self.assertEqual(_lib.MISSING, [], f"{_lib.LIBRARY_PATH} lacks these functions")

    def test_declarations_and_layouts_match_the_headers(self):
        cc = os.environ.get("STARC_CC")
        if not cc:
            self.skipTest("STARC_CC is not set (make check sets it)")
        cppflags = shlex.split(os.environ.get("STARC_CPPFLAGS", ""))
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "abi.c")
            with open(src, "w") as f:
                f.write(c_source())
            p = subprocess.run([*shlex.split(cc), "-std=c11", "-Wall", "-Werror", "-fsyntax-only", *cppflags, src],
                               capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, "the package disagrees with the headers:\n" + p.stderr[-4000:])

    def test_the_check_can_fail(self):
        """A wrong declaration and a wrong offset are caught by the same compilation."""
        cc = os.environ.get("STARC_CC")
        if not cc:
            self.skipTest("STARC_CC is not set (make check sets it)")
        cppflags = shlex.split(os.environ.get("STARC_CPPFLAGS", ""))
        bad = ["int starc_mdp_alloc(size_t S, size_t A, const double *T, const double *mu0, double gamma, "
               "double tol, starc_mdp **out, starc_error *err);",
               '_Static_assert(offsetof(starc_policy_options, tie_tol) == 16, "x");']
        for text in bad:
            with tempfile.TemporaryDirectory() as d:
                src = os.path.join(d, "bad.c")
                with open(src, "w") as f:
                    f.write("#include <stddef.h>\n#include <starc/starc.h>\n" + text + "\n")
                p = subprocess.run([*shlex.split(cc), "-std=c11", "-fsyntax-only", *cppflags, src],
                                   capture_output=True, text=True)
            self.assertNotEqual(p.returncode, 0, text)

    def test_version_matches_pyproject(self):
        here = os.path.dirname(os.path.abspath(starc.__file__))
        py = os.path.join(os.path.dirname(here), "pyproject.toml")
        if not os.path.exists(py):
            self.skipTest("no python/pyproject.toml beside the package (an installed copy)")
        with open(py) as f:
            text = f.read()
        self.assertIn(f'version = "{starc.__version__}"', text)


if __name__ == "__main__":
    unittest.main()
