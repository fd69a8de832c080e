"""The fit module (starc/fit.h) from Python: the linear forms
against numpy's least squares, the best-of-n estimator against enumeration, and the
``starc fit`` command on the same points."""

import itertools
import os
import unittest

import numpy as np

import starc
from clirun import read_tsv, run, same, workdir


class Fit(unittest.TestCase):
    def test_linear_forms_against_lstsq(self):
        rng = np.random.default_rng(1)
        d = np.sqrt(np.linspace(0.05, 9, 25))
        for form, x in (("bon", lambda d: d * d), ("rl", lambda d: d * np.log(d)),
                        ("log1p", lambda d: d * np.log1p(d))):
            y = d * (1.3 - 0.4 * x(d) / d) + rng.normal(scale=0.01, size=d.size)
            f = starc.fit_points(d, y, form, bootstrap=0)
            coef, *_ = np.linalg.lstsq(np.column_stack([d, -x(d)]), y, rcond=None)
            np.testing.assert_allclose([f.alpha, f.beta], coef, rtol=1e-10)
            resid = y - (coef[0] * d - coef[1] * x(d))
            np.testing.assert_allclose(f.residuals, resid, rtol=0, atol=1e-10 * np.abs(y).max())
            self.assertAlmostEqual(f.rss, resid @ resid, delta=1e-10 * (resid @ resid))
            np.testing.assert_allclose(starc.fit_eval(form, f.alpha, f.beta, d), y - resid, rtol=1e-12)
            pd, pv = starc.fit_peak(form, f.alpha, f.beta)
            self.assertTrue(same(pd, f.peak_d) and same(pv, f.peak_value))

    def test_bootstrap_is_seeded(self):
        d = np.sqrt(np.linspace(0.1, 4, 12))
        y = d * (1 - 0.3 * d) + 0.02 * np.sin(7 * d)
        a = starc.fit_points(d, y, "bon", bootstrap=200, seed=3)
        b = starc.fit_points(d, y, "bon", bootstrap=200, seed=3)
        self.assertEqual(a.alpha_ci.to_dict(), b.alpha_ci.to_dict())
        self.assertLess(a.alpha_ci.lo, a.alpha)
        self.assertGreater(a.alpha_ci.hi, a.alpha)

    def test_bon_curve_by_enumeration(self):
        proxy = np.array([0.3, 1.2, 0.7, 2.0, 0.1, 0.9])
        gold = np.array([1.0, 0.0, 2.0, 0.5, 1.5, 3.0])
        counts = [4, 2]
        c = starc.bon_curve(counts, proxy, gold, nmax=2)
        for n in (1, 2):
            vals = []
            for lo, hi in ((0, 4), (4, 6)):
                subsets = list(itertools.combinations(range(lo, hi), n))
                vals.append(np.mean([gold[max(s, key=lambda i: proxy[i])] for s in subsets]))
            self.assertAlmostEqual(c["gold"][n - 1], np.mean(vals), delta=1e-14)
        np.testing.assert_allclose(c["kl"], [0.0, np.log(2) - 0.5], atol=1e-14)

    def test_against_the_command(self):
        kl = np.linspace(0.0, 8.0, 17)
        gold = np.sqrt(kl) * (1.1 - 0.35 * np.sqrt(kl)) + 0.01 * np.cos(3 * kl)
        with workdir() as w:
            path = os.path.join(w, "runs.tsv")
            with open(path, "w") as f:
                f.write("kl\tgold\n" + "".join(f"{k!r}\t{g!r}\n" for k, g in zip(kl, gold)))
            run("fit", path, "--method", "bon", "--center", "none", "--bootstrap", "0", "-o", os.path.join(w, "out"))
            head, rows = read_tsv(os.path.join(w, "out", "fits.tsv"))
        seen = 0
        for row in rows:
            r = dict(zip(head, row))
            if r["target"] != "gold":
                continue
            f = starc.fit_points(np.sqrt(kl), gold, r["form"], center="none", bootstrap=0)
            for k in ("alpha", "beta", "g", "r2", "rss", "sigma", "peak_d", "peak_kl", "peak_value"):
                self.assertTrue(same(getattr(f, k), r[k]), f"{r['form']} {k}: python {getattr(f, k)!r}, "
                                                           f"starc {r[k]!r}")
            self.assertTrue(same(f.alpha_ci.se, r["alpha_se"]))
            seen += 1
        self.assertEqual(seen, len(starc.FIT_FORMS))

    def test_scaling(self):
        d = np.sqrt(np.linspace(0.1, 6, 15))
        sizes = [1e6, 1e7, 1e8]
        curves = [(d, d * (1 + 0.1 * k - 0.3 * np.log(d)) + 0.001 * np.sin(5 * d + k)) for k in range(3)]
        with starc.fit_scaling(sizes, curves, "rl", bootstrap=50) as s:
            r = s.result
            self.assertEqual((r.ngroups, r.nsizes), (3, 3))
            alphas = [s.group(k)[0].alpha for k in range(3)]
            a1, a0 = np.polyfit(np.log(sizes), alphas, 1)
            self.assertAlmostEqual(r.alpha1, a1, delta=1e-9)
            self.assertAlmostEqual(r.alpha0, a0, delta=1e-9 * abs(a0) + 1e-9)
            p = s.predict(1e7)
            self.assertAlmostEqual(p.alpha, a0 + a1 * np.log(1e7), delta=1e-9)


if __name__ == "__main__":
    unittest.main()
