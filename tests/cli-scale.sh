#!/bin/sh
# Scale invariance (docs/theory.md, Numerics): `starc distance`, `regret` and
# `proxy` give the same distances, regrets and correlations, and returns and
# standard deviations that scale with the reward, to 1e-12 relative, when a
# reward is multiplied by 1e-300, 1e-150, 1, 1e150 or 1e300; an unnormalised
# distance beyond the largest double is exit 1 naming it; a regularisation
# coefficient far below the reward's scale is not reported as converged.
# `regularize` gives, for every method, the same optimal policy and
# divergences, and returns, objective and coefficients that scale with the
# rewards and the coefficient, to 1e-12; a return beyond the largest double is
# exit 1 naming it.
# Rewards are scaled with Debian's numpy (/usr/bin/python3); skipped (77)
# without it.
set -u
: "${STARC:?}" "${top_srcdir:?}"
w=cli-scale.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"
CHECK_QUIET_FAILURE=1

PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import numpy' 2>/dev/null; then
    echo "SKIP: $PY with numpy not found"
    rm -rf "$w"
    exit 77
fi

"$STARC" generate mdp --states 6 --actions 3 --seed 1 -o "$w/m.npz" >/dev/null || fail "generate mdp"
for k in 1 2; do
    "$STARC" generate reward --mdp "$w/m.npz" --seed $((k + 1)) -o "$w/r$k.npy" >/dev/null || fail "generate reward $k"
done
"$PY" -c 'import numpy as np, sys; np.save(sys.argv[1], np.full((6, 3), 1.0 / 3))' "$w/base.npy"

# scale IN C OUT: OUT = C * IN
scale() { "$PY" -c 'import numpy as np, sys; np.save(sys.argv[3], np.load(sys.argv[1]) * float(sys.argv[2]))' "$@"; }

# same NAME GOT WANT C KEY...: for each key, GOT[key] = C * WANT[key] to 1e-12 relative
same() {
    name=$1 got=$2 want=$3 c=$4
    shift 4
    if "$PY" - "$got" "$want" "$c" "$@" <<'PYEOF'
import json, math, sys
got, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
c = float(sys.argv[3])
def get(d, k):
    for p in k.split("."):
        d = d[p]
    return d
bad = []
for spec in sys.argv[4:]:
    k, _, kind = spec.partition(":")  # kind "inv": unchanged; default: scales with c
    g, w = get(got, k), get(want, k)
    w = w if kind == "inv" else c * w
    if not (isinstance(g, float) and math.isfinite(g) and abs(g - w) <= 1e-12 * abs(w)):
        bad.append("%s = %r, want %r" % (k, g, w))
if bad:
    print("; ".join(bad))
    sys.exit(1)
PYEOF
    then echo "ok $name"; else fail "$name"; fi
}

M="--mdp $w/m.npz"
"$STARC" distance $M "$w/r1.npy" "$w/r2.npy" --format json >"$w/d.json" || fail "distance at scale 1"
"$STARC" distance $M --epic "$w/r1.npy" "$w/r2.npy" --format json >"$w/de.json" || fail "epic at scale 1"
"$STARC" distance $M --dard "$w/r1.npy" "$w/r2.npy" --format json >"$w/dd.json" || fail "dard at scale 1"
"$STARC" distance $M --norm none "$w/r1.npy" "$w/r2.npy" --format json >"$w/dn.json" || fail "norm none at scale 1"
"$STARC" regret $M --true "$w/r1.npy" --proxy "$w/r2.npy" --format json >"$w/g.json" || fail "regret at scale 1"
"$STARC" proxy $M --true "$w/r1.npy" --proxy "$w/r2.npy" --base "$w/base.npy" --format json >"$w/p.json" ||
    fail "proxy at scale 1"
"$STARC" proxy $M --true "$w/r1.npy" --proxy "$w/r1.npy" --base "$w/base.npy" --format json >"$w/p1.json" ||
    fail "proxy (same reward) at scale 1"
for c in 1e-300 1e-150 1 1e150 1e300; do
    scale "$w/r1.npy" $c "$w/s1.npy"
    scale "$w/r2.npy" $c "$w/s2.npy"
    "$STARC" distance $M "$w/s1.npy" "$w/r2.npy" --format json >"$w/x.json"
    same "distance, true reward scaled by $c" "$w/x.json" "$w/d.json" $c distance:inv
    "$STARC" distance $M --epic "$w/r1.npy" "$w/s2.npy" --format json >"$w/x.json"
    same "EPIC, proxy reward scaled by $c" "$w/x.json" "$w/de.json" $c distance:inv
    "$STARC" distance $M --dard "$w/s1.npy" "$w/r2.npy" --format json >"$w/x.json"
    same "DARD, true reward scaled by $c" "$w/x.json" "$w/dd.json" $c distance:inv
    "$STARC" distance $M --norm none "$w/s1.npy" "$w/s2.npy" --format json >"$w/x.json"
    same "norm none, both scaled by $c" "$w/x.json" "$w/dn.json" $c distance
    "$STARC" regret $M --true "$w/s1.npy" --proxy "$w/r2.npy" --format json >"$w/x.json"
    same "regret, true reward scaled by $c" "$w/x.json" "$w/g.json" $c regret:inv true_optimal_return \
        true_worst_return proxy_policy_return
    "$STARC" regret $M --true "$w/r1.npy" --proxy "$w/s2.npy" --format json >"$w/x.json"
    same "regret, proxy reward scaled by $c" "$w/x.json" "$w/g.json" $c regret:inv true_optimal_return:inv
    "$STARC" proxy $M --true "$w/s1.npy" --proxy "$w/r2.npy" --base "$w/base.npy" --format json >"$w/x.json"
    same "proxy, true reward scaled by $c" "$w/x.json" "$w/p.json" $c r:inv sigma_true sigma_proxy:inv \
        orpo_coef:inv base_true_return proxy_optimal.true_return proxy_optimal.a:inv proxy_optimal.chi2:inv \
        proxy_optimal.bound_a proxy_optimal.bound_tight
    "$STARC" proxy $M --true "$w/s1.npy" --proxy "$w/r1.npy" --base "$w/base.npy" --format json >"$w/x.json"
    same "proxy r = 1, true reward scaled by $c" "$w/x.json" "$w/p1.json" $c r:inv sigma_true
done

# Regularised optima (docs/theory.md, Scale invariance): with both rewards and
# the coefficient multiplied by c, every method's optimal policy is unchanged
# (to 1e-12: probabilities have scale 1), its divergences too, and returns,
# objective and coefficients scale with c, to 1e-12 relative.
# samepolicy NAME GOT WANT: two (S,A) policies agree to 1e-12
samepolicy() {
    if "$PY" -c 'import numpy as np, sys
d = np.abs(np.load(sys.argv[1]) - np.load(sys.argv[2])).max()
sys.exit(0 if d <= 1e-12 else print("policies differ by %g" % d) or 1)' "$2" "$3"
    then echo "ok $1"; else fail "$1"; fi
}
RG="$M --base $w/base.npy --format json"
REGKEYS="coef objective divergence:inv proxy_return true_return proxy_return_normalized
    true_return_normalized base_proxy_return base_true_return ad_kl:inv om_kl:inv chi2:inv tv:inv inner_coef"
for meth in ad-kl om-chi2 om-sqrt-chi2 om-kl; do
    "$STARC" regularize $RG --true "$w/r1.npy" --proxy "$w/r2.npy" --method $meth --coef 0.3 -o "$w/pi-$meth.npy" \
        >"$w/rg-$meth.json" || fail "regularize $meth at scale 1"
done
# ORPO's coefficient sigma_p sqrt(1 - r^2) scales with the proxy by itself; a
# proxy correlated with the truth (r = 0.99) so that the optimum is not the base.
"$PY" -c 'import numpy as np, sys; np.save(sys.argv[3], np.load(sys.argv[1]) + 0.1 * np.load(sys.argv[2]))' \
    "$w/r1.npy" "$w/r2.npy" "$w/rp.npy"
"$STARC" regularize $RG --true "$w/r1.npy" --proxy "$w/rp.npy" --method om-sqrt-chi2 --coef orpo -o "$w/pi-orpo.npy" \
    >"$w/rg-orpo.json" || fail "regularize om-sqrt-chi2 orpo at scale 1"
for c in 1e-300 1e-150 1 1e150 1e300; do
    scale "$w/r1.npy" $c "$w/s1.npy"
    scale "$w/r2.npy" $c "$w/s2.npy"
    k=$("$PY" -c 'import sys; print(repr(0.3 * float(sys.argv[1])))' $c)
    for meth in ad-kl om-chi2 om-sqrt-chi2 om-kl; do
        if "$STARC" regularize $RG --true "$w/s1.npy" --proxy "$w/s2.npy" --method $meth --coef "$k" -o "$w/pi.npy" \
            >"$w/x.json" 2>"$w/err"; then
            # shellcheck disable=SC2086 # REGKEYS is a list of words
            same "regularize $meth, rewards and coefficient scaled by $c" "$w/x.json" "$w/rg-$meth.json" $c $REGKEYS
            samepolicy "regularize $meth optimum, scale $c" "$w/pi.npy" "$w/pi-$meth.npy"
        else
            fail "regularize $meth at scale $c: $(cat "$w/err")"
        fi
    done
    scale "$w/rp.npy" $c "$w/sp.npy"
    if "$STARC" regularize $RG --true "$w/s1.npy" --proxy "$w/sp.npy" --method om-sqrt-chi2 --coef orpo -o "$w/pi.npy" \
        >"$w/x.json" 2>"$w/err"; then
        # shellcheck disable=SC2086
        same "regularize om-sqrt-chi2 --coef orpo, rewards scaled by $c" "$w/x.json" "$w/rg-orpo.json" $c $REGKEYS
        samepolicy "regularize orpo optimum, scale $c" "$w/pi.npy" "$w/pi-orpo.npy"
    else
        fail "regularize om-sqrt-chi2 --coef orpo at scale $c: $(cat "$w/err")"
    fi
done

# Overoptimisation curves (docs/theory.md, Scale invariance): with both rewards
# scaled by c, every method's path is the same: the divergences (kl, d, chi2)
# and best-of-n's n are unchanged, the coefficients (the pressure axis) and
# the returns, changes and bounds scale with c.  Compared to 1e-12 of each
# column's own scale along the path (coefficients entry by entry): a
# divergence near the base (kl ~ 1e-6 where the path reaches 20) is
# determined only to ~1e-10 of itself by the policy's round-off, as much for
# a scale of 3 (no prescaling) as for 1e300.
OVM="--method ad-kl,om-chi2,om-sqrt-chi2,om-kl,bon --points 9 --bon-max 50"
"$STARC" overopt $M --true "$w/r1.npy" --proxy "$w/rp.npy" --base "$w/base.npy" $OVM -o "$w/ov1" >/dev/null ||
    fail "overopt at scale 1"
for c in 1e-300 1e-150 1e150 1e300; do
    scale "$w/r1.npy" $c "$w/s1.npy"
    scale "$w/rp.npy" $c "$w/sp.npy"
    rm -rf "$w/ov"
    if ! "$STARC" overopt $M --true "$w/s1.npy" --proxy "$w/sp.npy" --base "$w/base.npy" $OVM -o "$w/ov" \
        >/dev/null 2>"$w/err"; then
        fail "overopt at scale $c: $(cat "$w/err")"
        continue
    fi
    if "$PY" - "$w/ov1/curves.tsv" "$w/ov/curves.tsv" $c <<'PYEOF'
import csv, math, sys
def load(f):
    return list(csv.DictReader(open(f), delimiter="\t"))
a, b, c = load(sys.argv[1]), load(sys.argv[2]), float(sys.argv[3])
if len(a) != len(b):
    sys.exit(print("%d rows, want %d" % (len(b), len(a))) or 1)
inv = ("kl", "kl_normalized", "d", "chi2")
colmax = {}
for x in a:
    for k in x:
        if k != "method":
            colmax[x["method"], k] = max(colmax.get((x["method"], k), 0.0), abs(float(x[k])))
bad = []
for x, y in zip(a, b):
    m = x["method"]
    for k in x:
        if k == "method":
            continue
        f = 1.0 if k in inv or (k == "coef" and m == "bon") else c
        w, g = f * float(x[k]), float(y[k])
        ref = abs(w) if k == "coef" else f * colmax[m, k]
        if y["method"] != m or not math.isfinite(g) or abs(g - w) > 1e-12 * ref:
            bad.append("%s %s = %r, want %r" % (m, k, g, w))
if bad:
    sys.exit(print("; ".join(bad[:4])) or 1)
PYEOF
    then echo "ok overopt curves, rewards scaled by $c"; else fail "overopt curves, rewards scaled by $c"; fi
done

# A distance that truly overflows: exit 1 naming it, never inf.
"$PY" -c 'import numpy as np, sys
x = np.load(sys.argv[1]); x = (x / np.abs(x).max()) * 1.5e308; np.save(sys.argv[2], x); np.save(sys.argv[3], -x)' \
    "$w/r1.npy" "$w/big.npy" "$w/nbig.npy"
check "norm none overflow (pair)" 1 "distance overflows" -- "$STARC" distance $M --norm none "$w/big.npy" "$w/nbig.npy"
check "norm none overflow (matrix)" 1 "distance overflows" -- \
    "$STARC" distance $M --norm none "$w/big.npy" "$w/nbig.npy" "$w/r2.npy"
check "normalised distance of huge rewards" 0 "" -- "$STARC" distance $M "$w/big.npy" "$w/nbig.npy"
# A regularised optimum's unnormalised return max |Rbar| / (1 - gamma) beyond the largest double.
for meth in ad-kl om-chi2 om-sqrt-chi2 om-kl; do
    check "regularize $meth, proxy return overflows" 1 "proxy return overflows" -- \
        "$STARC" regularize $RG --proxy "$w/big.npy" --method $meth --coef 1e307
    check "regularize $meth, true return overflows" 1 "true return overflows" -- \
        "$STARC" regularize $RG --true "$w/big.npy" --proxy "$w/r2.npy" --method $meth --coef 0.3
done

# A coefficient far below the reward's scale: not "converged".
for meth in om-chi2 om-kl; do
    check "regularize $meth --coef 1e-300" 1 "$meth" -- \
        "$STARC" regularize $M --proxy "$w/r2.npy" --base "$w/base.npy" --method $meth --coef 1e-300
done

rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
