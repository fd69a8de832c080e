"""Seed corpora for the libFuzzer harnesses in tests/fuzz/, written by numpy.

Usage: make-corpus.py OUTDIR (run by `make fuzz` with the python3 configure
found).  Writes OUTDIR/npy, OUTDIR/npz, OUTDIR/load, OUTDIR/cli and
OUTDIR/fitlog (`starc fit`'s logs, from the shipped docs/examples/*.csv and
*.tsv, copied at build time), one directory per harness, with what numpy writes for every layout libstarc reads
(dtypes, byte orders, C and Fortran order, format versions 1.0 to 3.0,
np.savez and np.savez_compressed, zip64), the shapes the loaders expect
(2-state, 2-action MDPs, rewards and policies, matching the harnesses' fixed
MDP), and a few hostile archives from tests/npz-craft.py.  Deterministic: the
same numpy gives the same files."""
import importlib.util
import io
import os
import struct
import sys
import zipfile

try:
    import numpy as np
except ImportError:
    sys.exit("make-corpus.py: needs numpy (Debian: python3-numpy); configure's PYTHON3 is %s" % sys.executable)


def npy_bytes(arr, version=None):
    b = io.BytesIO()
    np.lib.format.write_array(b, arr, version=version, allow_pickle=False)
    return b.getvalue()


def npz_bytes(arrays, compressed=False):
    b = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(b, **arrays)
    return b.getvalue()


def put(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def mdp_arrays():
    T = np.array([[[1, 0], [0.5, 0.5]], [[0, 1], [0.25, 0.75]]])
    return {"T": T, "mu0": np.array([0.5, 0.5]), "gamma": np.float64(0.9)}


def npy_corpus(d):
    rng = np.random.default_rng(0)
    base = rng.normal(size=(2, 3))
    for code in ["f8", "f4", "f2", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"]:
        for order in "<>":
            dt = np.dtype(order + code) if code not in ("i1", "u1", "b1") else np.dtype(code)
            a = (base * 10).astype(dt) if code != "b1" else base > 0
            put(d, "%s%s.npy" % ({"<": "le", ">": "be"}[order], code), npy_bytes(a))
    put(d, "scalar.npy", npy_bytes(np.float64(0.9)))
    put(d, "empty.npy", npy_bytes(np.zeros((0,))))
    put(d, "empty2.npy", npy_bytes(np.zeros((3, 0))))
    put(d, "vec.npy", npy_bytes(np.arange(5.0)))
    put(d, "sas.npy", npy_bytes(rng.normal(size=(2, 2, 2))))
    put(d, "fortran.npy", npy_bytes(np.asfortranarray(rng.normal(size=(3, 4, 2)))))
    put(d, "nan.npy", npy_bytes(np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324])))
    put(d, "v2.npy", npy_bytes(base, version=(2, 0)))
    put(d, "v3.npy", npy_bytes(base, version=(3, 0)))
    put(d, "many-dims.npy", npy_bytes(np.zeros((1,) * 20)))


def npz_corpus(d):
    rng = np.random.default_rng(1)
    put(d, "mdp.npz", npz_bytes(mdp_arrays()))
    put(d, "mdp-deflated.npz", npz_bytes(mdp_arrays(), compressed=True))
    rewards = {"r1": rng.normal(size=(2, 2, 2)), "r2": rng.normal(size=(2, 2)), "r3": rng.normal(size=(2,))}
    put(d, "rewards.npz", npz_bytes(rewards))
    put(d, "rewards-deflated.npz", npz_bytes(rewards, compressed=True))
    put(d, "empty.npz", npz_bytes({}))
    put(d, "f4.npz", npz_bytes({"r": rng.normal(size=(2, 2)).astype(">f4")}))
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        with z.open("r.npy", "w", force_zip64=True) as f:
            f.write(npy_bytes(rng.normal(size=(2, 2))))
        z.writestr("readme.txt", "not an array")
        z.writestr("a\tb.npy", npy_bytes(np.zeros(2)))
    put(d, "zip64-mixed.npz", b.getvalue())
    spec = importlib.util.spec_from_file_location(
        "npz_craft", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "npz-craft.py"))
    craft = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(craft)
    r = npy_bytes(rng.normal(size=(2, 2)))
    put(d, "lie-stored.npz", craft.zip_bytes([("r.npy", r, 0, 3500000000, None, False)]))
    put(d, "lie-deflated.npz", craft.zip_bytes([("r.npy", r, 8, 3500000000, None, False)]))
    put(d, "lie-zip64.npz", craft.zip_bytes([("r.npy", r, 0, 1 << 62, None, True)]))


def load_record(flags, members):
    out = bytes([flags])
    for name, img in members:
        nm = name.encode()
        out += bytes([len(nm)]) + nm + struct.pack("<H", len(img)) + img
    return out


def load_corpus(d):
    rng = np.random.default_rng(2)
    mdp = [(k, npy_bytes(v)) for k, v in mdp_arrays().items()]
    pi = npy_bytes(np.array([[0.5, 0.5], [0.1, 0.9]]))
    for flags in range(4):
        put(d, "mdp-%d" % flags, load_record(flags, mdp))
    # the same MDP in CSR form (docs/sparse.md), int32 and int64 indices
    for it in ("<i4", "<i8"):
        csr = [("T_data", npy_bytes(np.array([1.0, 0.5, 0.5, 1.0, 0.25, 0.75]))),
               ("T_indices", npy_bytes(np.array([0, 0, 1, 1, 0, 1], dtype=it))),
               ("T_indptr", npy_bytes(np.array([0, 1, 3, 4, 6], dtype=it))),
               ("T_shape", npy_bytes(np.array([2, 2, 2], dtype=it))),
               mdp[1], mdp[2]]
        put(d, "mdp-csr" + it[1:], load_record(0, csr))
    put(d, "mdp-gamma1", load_record(0, [mdp[0], mdp[1], ("gamma", npy_bytes(np.array([0.9])))]))
    put(d, "policy", load_record(0, [("pi", pi)]))
    put(d, "policy-f4", load_record(1, [("pi", npy_bytes(np.array([[1, 0], [0.5, 0.5]], dtype="<f4")))]))
    put(d, "rewards", load_record(0, [("r1", npy_bytes(rng.normal(size=(2, 2, 2)))),
                                      ("r2", npy_bytes(rng.normal(size=(2, 2)))),
                                      ("r3", npy_bytes(rng.normal(size=(2,))))]))
    put(d, "rewards-fortran", load_record(1, [("rf", npy_bytes(np.asfortranarray(rng.normal(size=(2, 2, 2)))))]))
    put(d, "reward-i8", load_record(0, [("ri", npy_bytes(np.array([[1, -2], [3, 4]], dtype="<i8")))]))
    put(d, "reward-tab", load_record(0, [("a\tb", npy_bytes(np.zeros(2)))]))
    put(d, "reward-newline", load_record(2, [("x\ny", npy_bytes(np.zeros((2, 2))))]))


def cli_corpus(d):
    values = {
        0: ["0.5", "-1e300", "1e-320", "4.9e-324", "0x1p-1074", "inf", "nan", "1e309", " 2", "1,5", ""],
        1: ["0", "32", "18446744073709551615", "18446744073709551616", "-1", " -1", "+7", "0x10", ""],
        2: ["0", "42", "4294967296", "-0", "007", "1e3"],
        3: ["val", "epic", "minimal-potential", "VAL", "val ", ""],
        4: ["text", "json", "JSON", "xml", "text\n"],
    }
    for which, vals in values.items():
        for i, v in enumerate(vals):
            put(d, "p%d-%02d" % (which, i), bytes([which]) + v.encode())


def fitlog_corpus(d):
    """`starc fit`'s logs: byte 0 picks the extension (0 .csv, 1 .tsv, 2 .txt), then the file.  The
    shipped example logs (docs/examples/*.csv, *.tsv), whole and their first lines, under their own
    extension and as .txt, and a few layouts the reader handles (quotes, CRLF, comments, missing
    values, short rows)."""
    ext = {".csv": 0, ".tsv": 1}
    examples = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "examples")
    for name in sorted(os.listdir(examples)):
        stem, e = os.path.splitext(name)
        if e not in ext:
            continue
        with open(os.path.join(examples, name), "rb") as f:
            text = f.read()
        head = b"".join(text.splitlines(True)[:12])
        for tag, data in [("all", text), ("head", head)]:
            put(d, "%s-%s%s" % (stem, tag, e), bytes([ext[e]]) + data)
            put(d, "%s-%s.txt" % (stem, tag), bytes([2]) + data)
    small = {
        "quoted": (0, b'"run","rm, big",kl,gold\n"a ""x""",1, 0.5 ,"2"\n'),
        "crlf": (0, b"kl,gold,proxy\r\n0,1,2\r\n0.5,NaN,n/a\r\n"),
        "comments": (1, b"# a comment\n\nkl\tgold\n  # indented\n0\t-\n1e-3\t\n"),
        "short-row": (1, b"kl\tgold\n1\n"),
        "unterminated": (0, b'kl,gold\n"1,2\n'),
        "guess-tab": (2, b"kl\tgold\n0x1p3\tinf\n"),
    }
    for name, (sel, data) in small.items():
        put(d, name, bytes([sel]) + data)


def main():
    out = sys.argv[1]
    for name, fn in [("npy", npy_corpus), ("npz", npz_corpus), ("load", load_corpus), ("cli", cli_corpus),
                     ("fitlog", fitlog_corpus)]:
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        fn(d)


if __name__ == "__main__":
    main()
