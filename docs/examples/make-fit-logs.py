#!/usr/bin/env python3
"""Write the example logs fitted in docs/tutorial.md (section "Fitting your own runs").

Synthetic, seeded, standard library only; nothing is copied from anywhere:

  rlhf-log.csv     RL runs against four reward models of different sizes: per checkpoint the KL
                   to the initial policy (nats), the gold and the proxy score.  The gold curves
                   follow Gao et al.'s RL form R(d) = d (alpha - beta log d), d = sqrt(KL), with one
                   alpha for every size and beta = 0.45 - 0.025 log(size / 1e6), plus N(0, 0.03)
                   noise and an initial gold score of 0.5; the proxy keeps rising.  One proxy cell
                   is missing (left empty) and the rows of one run are out of order, as in real
                   exports.
  bon-samples.tsv  Best-of-n raw samples: 40 prompts x 64 responses with a proxy and a gold score.
                   Latent quality q ~ N(0, 1), reward-model error e ~ N(0, 1); proxy = q + e and
                   gold = q - 0.4 e^2, both rounded to 2 decimals (so some proxy scores tie).

Usage: make-fit-logs.py [DIR]          write both files into DIR (default: this script's folder)
       make-fit-logs.py --check DIR    exit 1 unless DIR's files are exactly what this writes
"""
import math
import os
import random
import sys

SIZES = [3e6, 1.2e7, 1.2e8, 1.2e9]
NAMES = ["rm-3M", "rm-12M", "rm-120M", "rm-1.2B"]
KLS = [0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0,
       18.0, 22.0, 26.0, 30.0, 35.0, 40.0]


def rlhf_log(rng):
    lines = ["# Synthetic RLHF runs written by docs/examples/make-fit-logs.py (seed 1): see its docstring.",
             "run,rm,size,step,kl,gold,proxy"]
    for r, size in enumerate(SIZES):
        alpha, beta = 0.6, 0.45 - 0.025 * math.log(size / 1e6)
        rows = []
        for step, kl in enumerate(KLS):
            d = math.sqrt(kl)
            gold = 0.5 + (d * (alpha - beta * math.log(d)) if d > 0 else 0.0) + rng.gauss(0.0, 0.03)
            proxy = 0.2 + (d * (0.8 - 0.05 * math.log(d)) if d > 0 else 0.0) + rng.gauss(0.0, 0.03)
            rows.append("run%d,%s,%d,%d,%.4f,%.4f,%.4f" % (r + 1, NAMES[r], size, 100 * step, kl, gold, proxy))
        if r == 1:
            rows[7] = rows[7].rsplit(",", 1)[0] + ","  # a missing proxy value
        if r == 2:
            rows[10], rows[11] = rows[11], rows[10]  # unsorted rows
        lines += rows
    return "\n".join(lines) + "\n"


def bon_samples(rng):
    lines = ["# Synthetic best-of-n samples written by docs/examples/make-fit-logs.py (seed 1): see its docstring.",
             "prompt\tsample\tproxy\tgold"]
    for p in range(40):
        for s in range(64):
            q, e = rng.gauss(0.0, 1.0), rng.gauss(0.0, 1.0)
            lines.append("p%02d\t%d\t%.2f\t%.2f" % (p, s, q + e, q - 0.4 * e * e))
    return "\n".join(lines) + "\n"


def main(argv):
    check = len(argv) > 1 and argv[1] == "--check"
    args = argv[2:] if check else argv[1:]
    folder = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    rng = random.Random(1)
    files = {"rlhf-log.csv": rlhf_log(rng), "bon-samples.tsv": bon_samples(rng)}
    for name, text in files.items():
        path = os.path.join(folder, name)
        if check:
            with open(path) as f:
                if f.read() != text:
                    print("%s differs from what make-fit-logs.py writes" % path, file=sys.stderr)
                    return 1
        else:
            with open(path, "w") as f:
                f.write(text)
    if check:
        print("the example logs are make-fit-logs.py's output")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
