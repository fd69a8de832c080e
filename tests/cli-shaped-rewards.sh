#!/bin/sh
# proxy, regularize, overopt (single and batch), generate reward --from/--to and generate
# proxy load (S,) and (S,A) rewards in their shape (the first three need only the expected
# reward) or expand them (the last two): every output is byte for byte that of the same
# reward expanded, as the command's (S,A,S) file (or (nnz,) on a sparse MDP), in every role.
# Figures are compared without their comment lines (the provenance names the files).
# Needs python3 with numpy to write the inputs (skips otherwise).
set -u
: "${STARC:?}" "${top_srcdir:?}"
py=${PYTHON3:-/usr/bin/python3}
"$py" -c "import numpy" 2>/dev/null || { echo "numpy not found for $py: skipped"; exit 77; }
w=cli-shaped-rewards.tmp
rm -rf "$w" && mkdir -p "$w"
. "$top_srcdir/tests/cli-lib.sh"

# dense: an MDP with a few impossible transitions; sparse: its CSR twin.  Per MDP: rs (S,),
# rsa (S,A), r (full) and the expansions rsF, rsaF in the full shape; a base policy.
"$py" - "$w" <<'PY' || { echo "FAIL: making the inputs"; exit 99; }
import numpy as np, sys
w = sys.argv[1]
rng = np.random.default_rng(23)
S, A = 7, 3
T = rng.dirichlet(np.ones(S), size=(S, A))
T[T < 0.08] = 0.0
T /= T.sum(axis=2, keepdims=True)
mu0 = rng.dirichlet(np.ones(S))
np.savez(w + "/dense.npz", T=T, mu0=mu0, gamma=np.float64(0.9))
flat = T.reshape(S * A, S)
ip, ix = [0], []
for row in flat:
    ix += list(np.nonzero(row)[0]); ip.append(len(ix))
np.savez(w + "/sparse.npz", T_data=flat[flat > 0], T_indices=np.array(ix, dtype=np.int64),
         T_indptr=np.array(ip, dtype=np.int64), T_shape=np.array([S, A, S]), mu0=mu0, gamma=np.float64(0.9))
rs = rng.normal(size=S) * 1e-3
rsa = rng.normal(size=(S, A)) * 1e3
full = np.broadcast_to
for kind in ("dense", "sparse"):
    d = w + "/" + kind
    F = {"rs": full(rs[:, None, None], (S, A, S)), "rsa": full(rsa[:, :, None], (S, A, S)),
         "r": rng.normal(size=(S, A, S))}
    for k, v in F.items():
        v = np.ascontiguousarray(v)
        np.save(d + "-" + k + "F.npy", v if kind == "dense" else v.reshape(S * A, S)[flat > 0])
    np.save(d + "-rs.npy", rs)
    np.save(d + "-rsa.npy", rsa)
    np.save(d + "-r.npy", np.load(d + "-rF.npy"))
np.save(w + "/base.npy", rng.dirichlet(np.ones(A), size=S))
PY

# out TAG TEST CMD...: run CMD (its outputs under $w/o), keep them as $w/TAG with stdout as
# $w/TAG/stdout (unless $nostdout: it names the input files); figures without their comment lines.
nostdout=
out() {
    tag=$1 test=$2
    shift 2
    rm -rf "$w/o" && mkdir -p "$w/o"
    check "$test" 0 "" -- "$@" || return 1
    [ -n "$nostdout" ] || cp "$w/out" "$w/o/stdout"
    for f in $(find "$w/o" -name '*.gp'); do
        grep -v '^#' "$f" >"$f.body" && rm "$f"
    done
    rm -rf "${w:?}/$tag" && mv "$w/o" "$w/$tag"
}
# same NAME CMD-WITH-@T@-@P@...: the command on shaped rewards, then on the expansions
same() {
    what=$1
    shift
    a=$(printf '%s\n' "$*" | sed "s|@T@|$t|; s|@P@|$p|")
    b=$(printf '%s\n' "$*" | sed "s|@T@|${t}F|; s|@P@|${p}F|")
    # shellcheck disable=SC2086 # the paths have no blanks
    out shaped "$what-${t##*-}-${p##*-}-shaped" $a && out expanded "$what-${t##*-}-${p##*-}-expanded" $b &&
        { diff -r "$w/shaped" "$w/expanded" >/dev/null ||
            {
                fail "$what ${t##*-} ${p##*-}: shaped and expanded differ"
                diff -r "$w/shaped" "$w/expanded" | head -n 5
            }; }
}

for kind in dense sparse; do
    M=$w/$kind.npz
    for pair in rs:rsa rsa:r r:rs; do
        t=$w/$kind-${pair%%:*} p=$w/$kind-${pair##*:} # r.npy and rF.npy: the same full reward
        same "$kind-proxy" "$STARC" proxy --format json --mdp "$M" --true @T@.npy --proxy @P@.npy --base "$w/base.npy" \
            -o "$w/o/pol.npy" --gnuplot "$w/o/scatter.gp"
        for method in ad-kl om-chi2; do
            same "$kind-regularize-$method" "$STARC" regularize --format json --mdp "$M" \
                --true @T@.npy --proxy @P@.npy \
                --base "$w/base.npy" --method $method --coef orpo -o "$w/o/pol.npy" --gnuplot "$w/o/scatter.gp"
        done
        same "$kind-overopt" "$STARC" overopt --format json --mdp "$M" --true @T@.npy --proxy @P@.npy \
            --base "$w/base.npy" --method ad-kl,om-chi2,bon --points 5 -o "$w/o/run"
        nostdout=1
        same "$kind-interpolate" "$STARC" generate reward --mdp "$M" --from @T@.npy --to @P@.npy --steps 3 \
            -o "$w/o/interp.npz"
        nostdout=
        if [ $kind = dense ]; then
            for k in noise learned; do
                same "$kind-generate-proxy-$k" "$STARC" generate proxy --mdp "$M" --true @T@.npy --base "$w/base.npy" \
                    --kind $k --seed 4 -o "$w/o/proxy.npy"
            done
        fi
    done
    # a batch: one entry on the shaped rewards, one on their expansions, the same files
    printf 'name\tmdp\ttrue\tproxy\tbase\n' >"$w/list.tsv"
    printf 'a\t%s.npz\t%s-rs.npy\t%s-rsa.npy\tbase.npy\n' $kind $kind $kind >>"$w/list.tsv"
    printf 'b\t%s.npz\t%s-rsF.npy\t%s-rsaF.npy\tbase.npy\n' $kind $kind $kind >>"$w/list.tsv"
    check "$kind-overopt-batch" 0 "" -- "$STARC" overopt --batch "$w/list.tsv" --method ad-kl,bon --points 5 \
        -o "$w/batch"
    for f in curves.tsv fits.tsv summary.json overopt.gp; do
        cmp -s "$w/batch/a/$f" "$w/batch/b/$f" || fail "$kind overopt batch: $f differs between shaped and expanded"
    done
    rm -rf "$w/batch"
done

# the shaped loaders keep the loaders' messages: a wrong shape names the option and the file
CHECK_QUIET_FAILURE=1
for cmd in "proxy" "regularize --method ad-kl --coef 1" "overopt -o $w/bad"; do
    # shellcheck disable=SC2086 # cmd is a command and its options
    check "${cmd%% *}-bad-shape" 2 "option --proxy: .*dense-rsF.npy.*shape" -- "$STARC" $cmd --mdp "$w/sparse.npz" \
        --true "$w/sparse-r.npy" --proxy "$w/dense-rsF.npy" --base "$w/base.npy"
    [ ! -e "$w/bad" ] || fail "overopt-bad-shape: wrote $w/bad"
done

rm -rf "$w"
echo "$fails failed"
[ "$fails" = 0 ]
