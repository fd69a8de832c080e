#!/bin/sh
# starc proxy / regularize / generate tomato: exit codes, one-line diagnostics,
# json keys, CP's tomato phenomenon end to end, an independent numpy check of r
# and the base returns, gnuplot scripts, reproducible bytes, no partial outputs.
set -u
: "${STARC:?}" "${top_srcdir:?}"
w=cli-proxy.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"

bad() { echo "FAIL $*"; cat "$w/out"; fails=$((fails + 1)); }
# json value of a top-level numeric or boolean key (the output is one compact line)
jget() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$w/out" | head -n 1; }

check proxy-help 0 "" -- "$STARC" proxy --help
check regularize-help 0 "" -- "$STARC" regularize --help
check tomato-help 0 "" -- "$STARC" generate tomato --help
check tomato 0 "" -- "$STARC" generate tomato -o "$w/tom"
for f in mdp.npz rewards.npz base.npy; do
    [ -s "$w/tom/$f" ] || bad "tomato did not write $f"
done
grep -q "^reward_hacking	true$" "$w/out" || bad "tomato text output lacks reward_hacking true"
check tomato-json 0 "" -- "$STARC" generate tomato --format json -o "$w/tom2"
for k in description states actions r orpo_coef base_true_return proxy_optimal_true_return reward_hacking; do
    grep -q "\"$k\":" "$w/out" || bad "tomato json lacks $k"
done
for f in mdp.npz rewards.npz base.npy; do
    cmp -s "$w/tom/$f" "$w/tom2/$f" || bad "tomato $f is not reproducible byte for byte"
done

M=$w/tom/mdp.npz RT=$w/tom/rewards.npz:true RP=$w/tom/rewards.npz:proxy B=$w/tom/base.npy
check proxy-json 0 "" -- "$STARC" proxy --format json --mdp "$M" --true "$RT" --proxy "$RP" --base "$B" \
    -o "$w/popt.npy" --gnuplot "$w/proxy.gp"
for k in r sigma_true sigma_proxy base_true_return base_proxy_return reward_hacking proxy_optimal \
         true_return proxy_return true_delta_normalized chi2 bound_a bound_b bound_tight; do
    grep -q "\"$k\":" "$w/out" || bad "proxy json lacks $k"
done
cp "$w/out" "$w/proxy.json"
[ "$(jget reward_hacking)" = true ] || bad "tomato: reward_hacking is not true"
r=$(jget r)
awk -v r="$r" 'BEGIN { exit !(r > 0.98 && r <= 1) }' || bad "tomato: r = $r is not > 0.98"
base_true=$(jget base_true_return)
# proxy-optimal true return is below the base (hacking), and its bounds hold
sed -n 's/.*"proxy_optimal":{\([^}]*\)}.*/\1/p' "$w/proxy.json" | tr ',' '\n' >"$w/popt.txt"
pt=$(sed -n 's/^"true_return":\(.*\)/\1/p' "$w/popt.txt")
dt=$(sed -n 's/^"true_delta_normalized":\(.*\)/\1/p' "$w/popt.txt")
ba=$(sed -n 's/^"bound_a":\(.*\)/\1/p' "$w/popt.txt")
bt=$(sed -n 's/^"bound_tight":\(.*\)/\1/p' "$w/popt.txt")
awk -v p="$pt" -v b="$base_true" -v d="$dt" -v a="$ba" -v t="$bt" \
    'BEGIN { exit !(p < b && d >= a - 1e-12 && d >= t - 1e-12 && t >= a - 1e-12) }' ||
    bad "tomato proxy optimum: true $pt vs base $base_true, dJt $dt, bounds A $ba tight $bt"
[ -s "$w/popt.npy" ] || bad "proxy -o did not write the policy"

check orpo 0 "" -- "$STARC" regularize --format json --mdp "$M" --true "$RT" --proxy "$RP" --base "$B" \
    --method om-sqrt-chi2 --coef orpo -o "$w/orpo.npy" --gnuplot "$w/reg.gp"
for k in method coef objective proxy_return true_return ad_kl om_kl chi2 tv converged iterations inner_coef; do
    grep -q "\"$k\":" "$w/out" || bad "regularize json lacks $k"
done
[ "$(jget converged)" = true ] || bad "orpo did not converge"
ot=$(jget true_return)
awk -v o="$ot" -v b="$base_true" 'BEGIN { exit !(o > b) }' || bad "ORPO true return $ot does not beat the base $base_true"
# objective = proxy_return_normalized - coef * sqrt(chi2)
awk -v J="$(jget proxy_return_normalized)" -v c="$(jget coef)" -v x="$(jget chi2)" -v o="$(jget objective)" \
    'BEGIN { d = J - c * sqrt(x) - o; exit !(d < 1e-12 && d > -1e-12) }' || bad "orpo objective identity"
check adkl-text 0 "" -- "$STARC" regularize --mdp "$M" --true "$RT" --proxy "$RP" --base "$B" --method ad-kl --coef 0.5
grep -q "^method	ad-kl$" "$w/out" && grep -q "^converged	true$" "$w/out" || bad "ad-kl text output"
check omchi2-vi 0 "" -- "$STARC" regularize --mdp "$M" --proxy "$RP" --base "$B" --method om-chi2 --coef 0.1 --format json
grep -q '"true_return":null' "$w/out" || bad "without --true the true return must be null"

# errors: usage (2) with one line naming the option or file, computation (1)
check missing-base 2 "option --base is required" -- "$STARC" proxy --mdp "$M" --true "$RT" --proxy "$RP"
check missing-method 2 "option --method is required" -- "$STARC" regularize --mdp "$M" --proxy "$RP" --base "$B" --coef 1
check bad-method 2 "option --method: 'kl' is not one of" -- "$STARC" regularize --mdp "$M" --proxy "$RP" --base "$B" --method kl --coef 1
check bad-coef 2 "option --coef" -- "$STARC" regularize --mdp "$M" --proxy "$RP" --base "$B" --method ad-kl --coef -1
check orpo-needs-true 2 "needs --true" -- "$STARC" regularize --mdp "$M" --proxy "$RP" --base "$B" --method om-chi2 --coef orpo
check bad-base 2 "option --base" -- "$STARC" proxy --mdp "$M" --true "$RT" --proxy "$RP" --base "$w/tom/rewards.npz"
check missing-file 2 "nonexistent.npy" -- "$STARC" regularize --mdp "$M" --proxy "$RP" --base "$w/nonexistent.npy" --method ad-kl --coef 1
check bad-map 2 "'X' is not one of" -- "$STARC" generate tomato --map "TXB/A.." -o "$w/badmap"
[ -e "$w/badmap" ] && bad "a rejected map left $w/badmap behind"
check no-kind 2 "" -- "$STARC" generate
check unknown-kind 2 "'frob' is not a kind" -- "$STARC" generate frob
check noconv 1 "om-kl" -- "$STARC" regularize --mdp "$M" --proxy "$RP" --base "$B" --method om-kl --coef 0.001 \
    --max-iter 1 -o "$w/noconv.npy"
[ -e "$w/noconv.npy" ] && bad "a failed solve left its -o file"
: >"$w/afile"
check bad-outdir 2 "afile" -- "$STARC" regularize --mdp "$M" --proxy "$RP" --base "$B" --method ad-kl --coef 1 -o "$w/afile/p.npy"
check all-det-too-many 2 "exceeds 65536" -- "$STARC" proxy --mdp "$M" --true "$RT" --proxy "$RP" --base "$B" --all-deterministic
ls "$w" | grep -q tmp && bad "temporary files left in $w"

# hackability on all deterministic policies of the demo's 2-state MDP (the small exact example of docs/theory.md)
check demo 0 "" -- "$STARC" demo -o "$w/demo"
DM=$w/demo/small-mdp.npz DR=$w/demo/small-reward.npy
check hack-self 0 "" -- "$STARC" proxy --format json --mdp "$DM" --true "$DR" --proxy "$DR" --base uniform --all-deterministic
grep -q '"hackability":{"policies":4,"hackable":false' "$w/out" || bad "a reward is hackable against itself"
[ "$(jget reward_hacking)" = false ] || bad "a reward hacks itself"
awk -v r="$(jget r)" 'BEGIN { exit !(r > 1 - 1e-12) }' || bad "r of a reward with itself is not 1"

# gnuplot scripts render (self-contained data blocks)
if [ -n "${GNUPLOT:-}" ] && [ -x "$GNUPLOT" ]; then
    # the default output sits next to the path the script was written to, relative to the cwd
    ("$GNUPLOT" "$w/proxy.gp" && "$GNUPLOT" -e "term='pngcairo'; outfile='$w/reg.png'" "$w/reg.gp") 2>"$w/gp.err" ||
        bad "gnuplot failed: $(cat "$w/gp.err")"
    [ -s "$w/proxy.svg" ] && [ -s "$w/reg.png" ] || bad "gnuplot wrote no figure"
    echo "ok gnuplot"
else
    echo "skip gnuplot (not installed)"
fi
grep -q '^\$DATA << EOD' "$w/proxy.gp" && grep -q "^# Generated by starc (libstarc) .*starc proxy" "$w/proxy.gp" || bad "proxy.gp layout"

# independent numpy check of r, sigmas and base returns, and of the written policies
if [ -n "${PYTHON3:-}" ] && "$PYTHON3" -c "import numpy" 2>/dev/null; then
    if "$PYTHON3" - "$w" "$r" "$base_true" <<'PY'
import sys, numpy as np
w, r_cli, jb_cli = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
m = np.load(w + "/tom/mdp.npz"); R = np.load(w + "/tom/rewards.npz"); pb = np.load(w + "/tom/base.npy")
T, mu0, g = m["T"], m["mu0"], float(m["gamma"])
S, A = pb.shape
P = np.einsum("sa,sau->su", pb, T)
d = (1 - g) * np.linalg.solve((np.eye(S) - g * P).T, mu0)
mu = d[:, None] * pb
rt = np.repeat(R["true"][:, None], A, 1); rp = np.repeat(R["proxy"][:, None], A, 1)
mt, mp = (mu * rt).sum(), (mu * rp).sum()
cov = (mu * (rt - mt) * (rp - mp)).sum()
r = cov / np.sqrt((mu * (rt - mt) ** 2).sum() * (mu * (rp - mp) ** 2).sum())
ok = abs(r - r_cli) < 1e-10 and abs(mt / (1 - g) - jb_cli) < 1e-9 * abs(jb_cli)
for f in ("orpo.npy", "popt.npy"):
    pi = np.load(w + "/" + f)
    ok = ok and pi.shape == (S, A) and np.allclose(pi.sum(1), 1) and (pi >= 0).all()
print("numpy r %.17g cli r %.17g" % (r, r_cli))
sys.exit(0 if ok else 1)
PY
    then echo "ok numpy"; else bad "numpy cross-check"; fi
    # a negated proxy is hackable on the deterministic policies, with a witness pair
    "$PYTHON3" -c "import numpy as np; np.save('$w/neg.npy', -np.load('$DR'))"
    check hack-neg 0 "" -- "$STARC" proxy --format json --mdp "$DM" --true "$DR" --proxy "$w/neg.npy" --base uniform --all-deterministic
    grep -q '"hackable":true,"witness":\[' "$w/out" || bad "a negated reward is not hackable"
    [ "$(jget reward_hacking)" = true ] || bad "a negated proxy does not hack"
    awk -v r="$(jget r)" 'BEGIN { exit !(r < -1 + 1e-12) }' || bad "r of a reward with its negation is not -1"

else
    echo "skip numpy cross-check (python3-numpy not available)"
fi

rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
