"""numpy side of tests/npy-interop.sh.

  npy-gen.py gen DIR     write numpy files in every layout libstarc reads, files it must refuse,
                         and lists for the shell script: good.list, fits.list, rejects.tsv
                         (file, phrase the diagnostic must contain) and copies.tsv (the
                         tests/npy-copy operations); manifest.json and fits.json say what
                         each file holds, as numpy wrote it
  npy-gen.py check DIR   after the shell script ran starc and npy-copy: compare
                         info.json (`starc info --format json --data` on good.list) with numpy,
                         check that every file in copies.tsv written by libstarc loads in numpy
                         unchanged (.npy bytes equal to np.save's), the --mdp verdicts in
                         fits-info.json, and the one-line diagnostics in rejects.err

Prints every difference and exits 1 if there was any.
"""
import io
import json
import math
import os
import sys
import zipfile

import numpy as np


class Failure(Exception):
    pass


def fail(msg):
    raise Failure(msg)


def files_in(path):
    """{name: array} for a .npy (one array named by the file stem) or .npz."""
    if path.endswith(".npz"):
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    stem = os.path.splitext(os.path.basename(path))[0]
    return {stem: np.load(path, allow_pickle=False)}


def gen(d):
    rng = np.random.default_rng(20240501)
    manifest = {}

    def record(path, arrays):
        manifest[os.path.basename(path)] = {
            name: {"shape": list(a.shape), "dtype": a.dtype.str,
                   "fortran_order": bool(a.ndim > 1 and a.flags.f_contiguous and not a.flags.c_contiguous)}
            for name, a in arrays.items()}

    def npy(name, a, version=None):
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            np.lib.format.write_array(f, a, version=version, allow_pickle=False)
        record(path, {os.path.splitext(name)[0]: a})

    x34 = rng.normal(size=(3, 4))
    x342 = rng.normal(size=(3, 4, 2))
    npy("f8_c.npy", x34)
    npy("f8_f.npy", np.asfortranarray(x342))
    npy("f4_c.npy", x34.astype(np.float32))
    npy("f4_f.npy", np.asfortranarray(x342.astype(np.float32)))
    ints = rng.integers(-2**40, 2**40, size=(2, 3, 4), dtype=np.int64)
    ints[0, 0, 0] = -2**53
    ints[1, 2, 3] = 2**53
    npy("i8_c.npy", ints)
    npy("i8_f.npy", np.asfortranarray(ints))
    npy("be_f8.npy", x34.astype(">f8"))
    npy("be_f8_f.npy", np.asfortranarray(x342.astype(">f8")))
    npy("be_i4_f.npy", np.asfortranarray((ints % 100000).astype(">i4")))
    npy("i2.npy", np.array([[-32768, 32767, 0], [1, -1, 5]], dtype=np.int16))
    npy("u1.npy", np.array([0, 1, 128, 255], dtype=np.uint8))
    npy("u8.npy", np.array([0, 1, 2**63, 2**64 - 1], dtype=np.uint64))
    npy("b1.npy", np.array([[True, False], [False, True]]))
    npy("f2.npy", np.array([0.5, -2.0, 65504.0, 6.1e-05, 1e-7], dtype=np.float16))
    npy("v2.npy", x342, version=(2, 0))
    npy("v3.npy", np.asfortranarray(x342), version=(3, 0))
    npy("scalar.npy", np.float64(0.9))
    npy("deep.npy", np.full((1,) * 15, 0.5))  # header 192 bytes only with numpy's growth padding
    npy("empty.npy", np.zeros((0, 3)))
    npy("nonfinite.npy", np.array([1.0, np.nan, np.inf, -np.inf]))

    arrays = {"a": x34, "b": np.asfortranarray(x342.astype(np.float32)), "c": np.float64(-1.5),
              "d": ints.astype(">i8")}
    np.savez(os.path.join(d, "savez.npz"), **arrays)
    record(os.path.join(d, "savez.npz"), {k: np.asarray(v) for k, v in arrays.items()})
    np.savez_compressed(os.path.join(d, "savez_c.npz"), **arrays)
    record(os.path.join(d, "savez_c.npz"), {k: np.asarray(v) for k, v in arrays.items()})

    # MDPs exactly as the README says users write them, and a Fortran/compressed one.
    S, A = 4, 3
    T = rng.random((S, A, S))
    T /= T.sum(axis=2, keepdims=True)
    mu0 = rng.random(S)
    mu0 /= mu0.sum()
    np.savez(os.path.join(d, "mdp.npz"), T=T, mu0=mu0, gamma=np.float64(0.9))
    record(os.path.join(d, "mdp.npz"), {"T": T, "mu0": mu0, "gamma": np.asarray(np.float64(0.9))})
    np.savez_compressed(os.path.join(d, "mdp_f.npz"), T=np.asfortranarray(T), mu0=mu0, gamma=np.array([0.5]))
    record(os.path.join(d, "mdp_f.npz"), {"T": np.asfortranarray(T), "mu0": mu0, "gamma": np.array([0.5])})

    # Rewards and policies for `starc info --mdp mdp.npz`: name -> expected (reward, policy).
    fits = {}

    def fit(name, a, reward, policy):
        path = os.path.join(d, name)
        np.save(path, a)
        fits[name] = {"reward": reward, "policy": policy}

    fit("r_s.npy", rng.normal(size=S), True, False)
    fit("r_sa.npy", rng.normal(size=(S, A)), True, False)
    fit("r_sas_f.npy", np.asfortranarray(rng.normal(size=(S, A, S))), True, False)
    pol = rng.random((S, A))
    fit("pi.npy", pol / pol.sum(axis=1, keepdims=True), True, True)
    fit("pi_f32.npy", np.full((S, A), 1.0 / 4.0, dtype=np.float32), True, False)  # rows sum to 0.75
    with open(os.path.join(d, "fits.json"), "w") as f:
        json.dump(fits, f)

    # Files libstarc must refuse: name, phrase expected in the one-line diagnostic.
    rejects = []

    def reject(name, phrase, writer):
        writer(os.path.join(d, name))
        rejects.append((name, phrase))

    reject("object.npy", "pickle", lambda p: np.save(p, np.array([{"a": 1}, None], dtype=object), allow_pickle=True))
    reject("complex.npy", "complex", lambda p: np.save(p, np.array([1 + 2j])))
    reject("struct.npy", "structured", lambda p: np.save(p, np.zeros(2, dtype=[("a", "<f8"), ("b", "<i4")])))
    reject("str.npy", "string", lambda p: np.save(p, np.array(["ab", "c"])))
    reject("bytes.npy", "string", lambda p: np.save(p, np.array([b"ab"])))
    reject("datetime.npy", "datetime", lambda p: np.save(p, np.array(["2024-01-01"], dtype="datetime64[D]")))
    reject("longdouble.npy", "unsupported dtype",
           lambda p: np.save(p, np.zeros(2, dtype=np.longdouble)) if np.dtype(np.longdouble).itemsize > 8
           else np.save(p, np.zeros(2, dtype=np.complex64)))
    reject("pickle_member.npz", "pickle_member.npz:o",
           lambda p: np.savez(p, x=np.zeros(S), o=np.array([None, 1], dtype=object)))
    badT = T.copy()
    badT[1, 2, 0] += 0.01
    reject("bad_mdp.npz", "row T[1,2,:] sums to", lambda p: np.savez(p, T=badT, mu0=mu0, gamma=np.float64(0.9)))
    reject("bad_gamma.npz", "gamma", lambda p: np.savez(p, T=T, mu0=mu0, gamma=np.float64(1.0)))
    reject("trailing.npy", "unexpected bytes after", lambda p: open(p, "wb").write(_npy_bytes(x34) + b"\0" * 8))
    reject("truncated.npy", "data truncated", lambda p: open(p, "wb").write(_npy_bytes(x34)[:-8]))
    reject("not_npy.npy", "bad magic", lambda p: open(p, "w").write("x,y\n1,2\n"))
    reject("bad_fit.npy", "neither as a reward nor as a policy", lambda p: np.save(p, np.zeros((S + 1, A))))

    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    for listname, names in (("good.list", manifest), ("fits.list", fits)):
        with open(os.path.join(d, listname), "w") as f:
            f.write("".join(n + "\n" for n in names))
    # tests/npy-copy operations: libstarc reads numpy's file and writes its own.
    with open(os.path.join(d, "copies.tsv"), "w") as f:
        for n in manifest:
            if n.endswith(".npz"):
                for mode in ("stored", "deflate"):
                    f.write("npz\t%s/%s\t%s/out/%s-%s\t%s\n" % (d, n, d, mode, n, mode))
            else:
                f.write("npy\t%s/%s\t%s/out/%s\n" % (d, n, d, n))
        for n in ("mdp.npz", "mdp_f.npz"):
            f.write("mdp\t%s/%s\t%s/out/mdp-%s\n" % (d, n, d, n))
    with open(os.path.join(d, "rejects.tsv"), "w") as f:
        for name, phrase in rejects:
            f.write(name + "\t" + phrase + "\n")


def _npy_bytes(a):
    b = io.BytesIO()
    np.save(b, a)
    return b.getvalue()


def same_value(got, want):
    """json value from starc (None = non-finite) against a numpy float."""
    want = float(want)
    if got is None:
        return not math.isfinite(want)
    return math.isfinite(want) and got == want


def close(got, want):
    want = float(want)
    if got is None:
        return not math.isfinite(want)
    return math.isfinite(want) and abs(got - want) <= 1e-12 * max(1.0, abs(want))


def check_info(d):
    info_path = os.path.join(d, "info.json")
    with open(os.path.join(d, "manifest.json")) as f:
        manifest = json.load(f)
    with open(info_path) as f:
        info = json.load(f)
    seen = set()
    for entry in info["files"]:
        base = os.path.basename(entry["path"])
        if base not in manifest:
            fail("starc info reported an unexpected file " + base)
        seen.add(base)
        if not entry["ok"]:
            fail(base + ": starc info says: " + entry.get("problem", "?"))
        want = manifest[base]
        loaded = files_in(entry["path"])
        kind = "npz" if base.endswith(".npz") else "npy"
        if kind == "npz" and set(want) >= {"T", "mu0", "gamma"}:
            kind = "mdp"
            if not entry["mdp"]["valid"]:
                fail(base + ": MDP reported invalid")
            T = loaded["T"]
            if [entry["mdp"]["S"], entry["mdp"]["A"]] != [T.shape[0], T.shape[1]]:
                fail(base + ": S, A reported as %r" % ([entry["mdp"]["S"], entry["mdp"]["A"]],))
            if entry["mdp"]["gamma"] != float(np.asarray(loaded["gamma"]).ravel()[0]):
                fail(base + ": gamma reported as %r" % entry["mdp"]["gamma"])
        if entry["kind"] != kind:
            fail("%s: kind %r, expected %r" % (base, entry["kind"], kind))
        names = [a["name"] for a in entry["arrays"]]
        if names != list(want):
            fail("%s: arrays %r, numpy wrote %r (archive order)" % (base, names, list(want)))
        for a in entry["arrays"]:
            w, ref = want[a["name"]], loaded[a["name"]]
            where = "%s:%s" % (base, a["name"])
            if a["shape"] != w["shape"]:
                fail("%s: shape %r, expected %r" % (where, a["shape"], w["shape"]))
            if a["dtype"] != w["dtype"]:
                fail("%s: dtype %r, expected %r" % (where, a["dtype"], w["dtype"]))
            if a["fortran_order"] != w["fortran_order"]:
                fail("%s: fortran_order %r, expected %r" % (where, a["fortran_order"], w["fortran_order"]))
            flat = np.asarray(ref).astype(np.float64).ravel(order="C")  # as starc prints it
            if a["size"] != flat.size or len(a["data"]) != flat.size:
                fail("%s: %d values, expected %d" % (where, len(a["data"]), flat.size))
            for i, (g, v) in enumerate(zip(a["data"], flat)):
                if not same_value(g, v):
                    fail("%s: element %d (C order) is %r, numpy has %r" % (where, i, g, float(v)))
            if flat.size:
                for key, fn in (("min", np.min), ("max", np.max), ("sum", np.sum)):
                    if not close(a[key], fn(flat)):
                        fail("%s: %s is %r, numpy says %r" % (where, key, a[key], float(fn(flat))))
                if a["nonfinite"] != int(np.count_nonzero(~np.isfinite(flat))):
                    fail("%s: nonfinite count %r" % (where, a["nonfinite"]))
    missing = set(manifest) - seen
    if missing:
        fail("starc info did not report " + ", ".join(sorted(missing)))
    print("ok: starc info matches numpy on %d files" % len(seen))


def header_of(b):
    """(version, header length, fortran_order, descr) of a .npy image."""
    f = io.BytesIO(b)
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    return version, f.tell(), fortran, dtype.str


def check_npy_image(where, b, ref):
    """b was written by libstarc for an array equal to ref."""
    version, hlen, fortran, descr = header_of(b)
    if version != (1, 0) or fortran or descr != "<f8" or hlen % 64:
        fail("%s: header version %r fortran %r descr %r length %d; expected 1.0, C order, <f8, 64-aligned"
             % (where, version, fortran, descr, hlen))
    got = np.load(io.BytesIO(b), allow_pickle=False)
    want = np.asarray(ref).astype(np.float64)
    if got.shape != want.shape or not np.array_equal(got, want, equal_nan=True):
        fail("%s: numpy reads %r, expected %r" % (where, got, want))
    # numpy >= 1.23 pads the header for in-place growth; with that layout the
    # bytes must be identical to np.save's.
    if hasattr(np.lib.format, "GROWTH_AXIS_MAX_DIGITS"):
        ref_bytes = _npy_bytes(want.astype("<f8", order="C"))  # ascontiguousarray would make 0-d 1-d
        if b != ref_bytes:
            fail("%s: bytes differ from np.save's (%d vs %d bytes)" % (where, len(b), len(ref_bytes)))


def check_copy(inp, out):
    if out.endswith(".npz"):
        with zipfile.ZipFile(out) as zf:
            members = zf.namelist()
            images = {n[:-4]: zf.read(n) for n in members}
        want = files_in(inp)
        if [m[:-4] for m in members] != list(want):
            fail("%s: members %r, expected %r" % (out, members, list(want)))
        for name, ref in want.items():
            check_npy_image("%s:%s" % (out, name), images[name], ref)
        with np.load(out, allow_pickle=False) as z:
            if z.files != list(want):
                fail("%s: np.load lists %r" % (out, z.files))
    else:
        with open(out, "rb") as f:
            b = f.read()
        (ref,) = files_in(inp).values()
        check_npy_image(out, b, ref)


def check_mdp(inp, out):
    want = files_in(inp)
    with np.load(out, allow_pickle=False) as z:
        if z.files != ["T", "mu0", "gamma"]:
            fail("%s: members %r" % (out, z.files))
        for k in ("T", "mu0"):
            if z[k].dtype != np.float64 or not np.array_equal(z[k], want[k]):
                fail("%s: %s differs" % (out, k))
        g = z["gamma"]
        if g.shape != () or g.dtype != np.float64 or float(g) != float(np.asarray(want["gamma"]).ravel()[0]):
            fail("%s: gamma is %r" % (out, g))


def check_fits(d):
    info_path = os.path.join(d, "fits-info.json")
    with open(os.path.join(d, "fits.json")) as f:
        fits = json.load(f)
    with open(info_path) as f:
        info = json.load(f)
    got = {os.path.basename(e["path"]): e for e in info["files"]}
    for name, want in fits.items():
        e = got.get(name)
        if e is None or not e["ok"]:
            fail("%s: not reported ok by starc info --mdp" % name)
        verdict = e["arrays"][0]["fits"]
        if verdict != want:
            fail("%s: fits %r, expected %r" % (name, verdict, want))
    print("ok: --mdp verdicts for %d files" % len(fits))


def check_rejects(d):
    with open(os.path.join(d, "rejects.tsv")) as f:
        rejects = [line.rstrip("\n").split("\t") for line in f]
    with open(os.path.join(d, "rejects.err")) as f:
        lines = f.read().splitlines()
    if len(lines) != len(rejects):
        fail("%d lines on stderr for %d refused files:\n%s" % (len(lines), len(rejects), "\n".join(lines)))
    for name, phrase in rejects:
        prefix = "starc info: %s/%s" % (d, name)
        mine = [ln for ln in lines if ln.startswith(prefix + ":") or ln.startswith(prefix + " ")]
        if len(mine) != 1 or phrase not in mine[0]:
            fail("%s: want one line '%s...' containing %r, got %r" % (name, prefix, phrase, mine))
    print("ok: %d files refused with one line each" % len(rejects))


def check(d):
    failures = 0

    def run(what, fn, *args):
        nonlocal failures
        try:
            fn(*args)
        except Failure as e:
            print("FAIL: %s: %s" % (what, e))
            failures += 1
        except (OSError, ValueError, KeyError) as e:
            print("FAIL: %s: %s: %s" % (what, type(e).__name__, e))
            failures += 1

    run("starc info", check_info, d)
    with open(os.path.join(d, "copies.tsv")) as f:
        copies = [line.rstrip("\n").split("\t") for line in f]
    for op in copies:
        run("copy " + op[2], check_mdp if op[0] == "mdp" else check_copy, op[1], op[2])
    print("ok: checked %d files written by libstarc" % len(copies))
    run("starc info --mdp", check_fits, d)
    run("refused files", check_rejects, d)
    return 1 if failures else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "gen":
        gen(argv[2])
        return 0
    if len(argv) == 3 and argv[1] == "check":
        return check(argv[2])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
