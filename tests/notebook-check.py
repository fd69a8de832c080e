#!/usr/bin/python3
"""Checks of a notebook written by `starc notebook` (used by tests/cli-notebook.sh).

  notebook-check.py exported NB SRCROOT [--kinds K,K] [--figures N] [--rendered N] [--scatter V,V]
      nbformat validation (4.5, unique ids, canonical nbformat layout), provenance
      (every input's SHA-256 and size against the file under SRCROOT, listed in the
      markdown), the data directory (MANIFEST.sha256 matches, every data path the
      code cells use exists), and the stored figure outputs (embedded bytes equal
      the files in the data directory, SVG stored as the fragment from its <svg>
      element on; N figures in all, N rendered by starc).  --scatter: a cell draws
      regret against exactly these distance variants (pairs.tsv columns).
  notebook-check.py executed NB [--expect TEXT]... [--expect-re REGEX]... [--expect-value LABEL X]...
      an executed notebook (jupyter nbconvert --execute): no error output, every
      figure cell produced a matplotlib image, each TEXT appears in the printed
      output, each REGEX matches it, and the number printed after each LABEL is X.
  notebook-check.py html HTMLDIR NB...
      each NB converted by `jupyter nbconvert --to html` into HTMLDIR/NAME.html:
      no stored SVG declares an encoding, every stored image is in the page (an
      <svg> element or SVG data URI per image/svg+xml output, the base64 data per
      image/png output) and so is every markdown cell.

Exit status 0 when every check passes, 1 otherwise (77 if nbformat is missing).
"""
import argparse
import base64
import hashlib
import json
import os
import re
import sys

try:
    import nbformat
except ImportError:
    print("SKIP: python3-nbformat is not installed")
    sys.exit(77)

failures = []


def check(cond, what):
    if cond:
        print("ok", what)
    else:
        print("FAIL", what)
        failures.append(what)
    return cond


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def text_of(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def exported(args):
    path = args.notebook
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    nb = nbformat.reads(raw, as_version=4)
    try:
        nbformat.validate(nb)
        check(True, "nbformat validates")
    except nbformat.ValidationError as e:
        check(False, f"nbformat validates: {e}")
    check(nb.nbformat == 4 and nb.nbformat_minor == 5, "nbformat 4.5")
    ids = [c.get("id") for c in nb.cells]
    check(all(ids) and len(set(ids)) == len(ids), f"{len(ids)} cells with unique ids")
    check(all(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", i or "") for i in ids), "ids match nbformat's pattern")
    check(nbformat.writes(nb) + "\n" == raw or nbformat.writes(nb) == raw,
          "file is in nbformat's canonical layout (indent 1, sorted keys)")
    raw_json = json.loads(raw)
    check(all(isinstance(c["source"], list) for c in raw_json["cells"]), "sources are lists of lines")

    meta = nb.metadata.get("starc", {})
    check(meta.get("version"), "metadata records the libstarc version")
    command = meta.get("command") or ""
    check(command.startswith("starc notebook") or command.startswith("starc demo"), "metadata records the command")
    first = text_of(nb.cells[0])
    check(nb.cells[0].cell_type == "markdown" and "libstarc " + str(meta.get("version")) in first,
          "first cell states the libstarc version")
    check(command and command in first, "first cell shows the command")
    inputs = meta.get("inputs", [])
    check(len(inputs) > 0, f"{len(inputs)} inputs recorded")
    for e in inputs:
        src = os.path.join(args.srcroot, e["path"])
        ok = os.path.isfile(src) and sha256(src) == e["sha256"] and os.path.getsize(src) == e["bytes"]
        check(ok, f"SHA-256 and size of input {e['path']}")
        check(e["sha256"] in first, f"provenance cell lists the SHA-256 of {e['path']}")

    kinds = [s["kind"] for s in meta.get("sections", [])]
    if args.kinds is not None:
        want = args.kinds.split(",") if args.kinds else []
        check(kinds == want, f"sections {kinds} == {want}")

    nbdir = os.path.dirname(os.path.abspath(path))
    data = os.path.join(nbdir, meta.get("data_dir", "?"))
    man = os.path.join(data, "MANIFEST.sha256")
    if check(os.path.isfile(man), "data directory has MANIFEST.sha256"):
        listed = set()
        with open(man, encoding="utf-8") as f:
            for line in f:
                h, name = line.rstrip("\n").split("  ", 1)
                listed.add(name)
                check(sha256(os.path.join(data, name)) == h, f"manifest hash of {name}")
        on_disk = set()
        for d, _, files in os.walk(data):
            for n in files:
                on_disk.add(os.path.relpath(os.path.join(d, n), data))
        check(on_disk - {"MANIFEST.sha256"} == listed, "manifest lists exactly the data files")
    setup = text_of(nb.cells[1])
    check(nb.cells[1].cell_type == "code" and "import numpy as np" in setup and
          f'DATA = "{meta.get("data_dir")}"' in setup, "set-up cell imports numpy and names the data directory")
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        for rel in re.findall(r'DATA \+ "([^"]+)"', text_of(c)):
            check(os.path.isfile(data + rel), f"code cell reads an existing file {rel}")

    figures = rendered = 0
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        check(c.execution_count is None, f"cell {c.id} is unexecuted")
        for o in c.outputs:
            check(o.output_type == "display_data", f"cell {c.id} stores display_data")
            d = o.data
            check("text/plain" in d, f"cell {c.id}: image has a text/plain fallback")
            name = re.search(r"<gnuplot figure ([^>,]+)", d.get("text/plain", ""))
            if not check(name is not None, f"cell {c.id}: text/plain names the figure"):
                continue
            file = os.path.join(data, name.group(1))
            figures += 1
            rendered += "rendered by starc notebook" in d["text/plain"]
            if "image/png" in d:
                check(base64.b64decode(d["image/png"]) == open(file, "rb").read(),
                      f"cell {c.id}: embedded PNG equals {name.group(1)}")
            if "image/svg+xml" in d:
                svg = os.path.splitext(file)[0] + ".svg"
                with open(svg, encoding="utf-8") as f:
                    text = f.read()
                stored = d["image/svg+xml"]
                check(stored.startswith("<svg") and "<?xml" not in stored and "<!DOCTYPE" not in stored,
                      f"cell {c.id}: SVG stored as a fragment (no XML declaration or DOCTYPE)")
                check(text.endswith(stored) and "<svg" not in text[:len(text) - len(stored)],
                      f"cell {c.id}: embedded SVG is the file from its <svg> element on")
            check("image/png" in d or "image/svg+xml" in d, f"cell {c.id}: an image is stored")
    if args.figures is not None:
        check(figures == args.figures, f"{figures} stored figures == {args.figures}")
    if args.scatter is not None:
        want = args.scatter.split(",")
        cells = [text_of(c) for c in nb.cells if c.cell_type == "code" and "pairs[v]" in text_of(c)]
        got = [re.search(r"^variants = (\[.*\])$", t, re.M) for t in cells]
        got = [json.loads(g.group(1)) for g in got if g]
        check(len(cells) == 1 and got == [want] and "plt.show()" in cells[0],
              f"one regret-against-distance cell for {want}: {got}")
    if args.rendered is not None:
        check(rendered == args.rendered, f"{rendered} figures rendered by starc == {args.rendered}")


def executed(args):
    with open(args.notebook, encoding="utf-8") as f:
        nb = nbformat.read(f, as_version=4)
    printed = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        errs = [o for o in c.outputs if o.output_type == "error"]
        check(not errs, f"cell {c.id} ran without error" + (f": {errs[0].ename}: {errs[0].evalue}" if errs else ""))
        check(c.execution_count is not None, f"cell {c.id} was executed")
        for o in c.outputs:
            if o.output_type == "stream":
                printed.append(o.text)
            elif "text/plain" in o.get("data", {}):
                printed.append(o.data["text/plain"])
        src = text_of(c)
        if "plt.show()" in src:
            check(any("image/png" in o.get("data", {}) for o in c.outputs),
                  f"cell {c.id} drew a matplotlib figure")
    out = "\n".join(printed)
    for t in args.expect:
        check(t in out, f"printed output contains {t!r}")
    for r in args.expect_re:
        check(re.search(r, out, re.M), f"printed output matches {r!r}")
    number = r"([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|nan|inf))"
    for label, value in args.expect_value:
        m = re.search(re.escape(label) + r"\s*" + number, out)
        # the same double: what the notebook printed (Python's repr) parses to the file's %.17g
        check(m is not None and float(m.group(1)) == float(value),
              f"printed {label} {m.group(1) if m else '(absent)'} == {value}")


def html(args):
    for path in args.notebooks:
        html_page(path, os.path.join(args.htmldir, os.path.splitext(os.path.basename(path))[0] + ".html"))


def html_page(path, html_path):
    with open(path, encoding="utf-8") as f:
        nb = nbformat.read(f, as_version=4)
    if not check(os.path.isfile(html_path), f"{html_path} was written"):
        return
    with open(html_path, encoding="utf-8") as f:
        page = f.read()
    name = os.path.basename(path)
    svgs = pngs = 0
    for c in nb.cells:
        for o in c.get("outputs", []):
            d = o.get("data", {})
            if "image/svg+xml" in d:
                svgs += 1
            if "image/png" in d and "image/svg+xml" not in d:  # HTML prefers SVG
                pngs += 1
                check(d["image/png"] in page, f"{name} cell {c.id}: the PNG is in the HTML page")
    check(not any("image/svg+xml" in o.get("data", {}) and o.data["image/svg+xml"].lstrip().startswith("<?xml")
                  for c in nb.cells for o in c.get("outputs", [])), f"{name}: no stored SVG declares an encoding")
    # an output div per stored SVG holding the image: inline <svg> (nbconvert 6) or a data URI
    found = len(re.findall(r'data-mime-type="image/svg\+xml"[^>]*>\s*(?:<svg[\s>]|<img[^>]*data:image/svg\+xml)', page))
    check(found == svgs, f"{name}: {found} SVG images in the HTML page for {svgs} stored SVG outputs")
    markdown = sum(c.cell_type == "markdown" for c in nb.cells)
    check(page.count("jp-MarkdownCell") >= markdown, f"{name}: the HTML page has the {markdown} markdown cells")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    e = sub.add_parser("exported")
    e.add_argument("notebook")
    e.add_argument("srcroot")
    e.add_argument("--kinds")
    e.add_argument("--figures", type=int)
    e.add_argument("--rendered", type=int)
    e.add_argument("--scatter")
    x = sub.add_parser("executed")
    x.add_argument("notebook")
    x.add_argument("--expect", action="append", default=[])
    x.add_argument("--expect-re", action="append", default=[])
    x.add_argument("--expect-value", action="append", nargs=2, default=[], metavar=("LABEL", "X"))
    h = sub.add_parser("html")
    h.add_argument("htmldir")
    h.add_argument("notebooks", nargs="+")
    args = p.parse_args()
    {"exported": exported, "executed": executed, "html": html}[args.mode](args)
    print(f"{args.notebook if args.mode != 'html' else args.htmldir}: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
