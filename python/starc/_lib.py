"""The shared library: loading, the C declarations the package uses, errors.

Everything that touches ctypes lives here.  The functions are declared once, in C syntax
(``PROTOTYPES``), exactly as in libstarc's headers; the ctypes signatures are derived from
that text, and the test suite compiles the same text against the installed headers (with
``_Static_assert`` checks of every structure layout below), so a header change that this
package does not follow is a test failure rather than a crash.
"""

import ctypes
import ctypes.util
import os
import re
import threading

from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_double, c_int, c_long,
                    c_size_t, c_uint64, c_ulong, c_void_p)

# --------------------------------------------------------------------------- loading


def _candidates():
    env = os.environ.get("STARC_LIBRARY")
    if env:
        return [env]
    out = []
    try:
        from . import _config  # written by configure (absent in a source checkout)
        if _config.LIBDIR and _config.SONAME:
            out.append(os.path.join(_config.LIBDIR, _config.SONAME))
        if _config.SONAME:
            out.append(_config.SONAME)
    except ImportError:
        pass
    found = ctypes.util.find_library("starc")
    if found:
        out.append(found)
    return out or ["libstarc.so"]


def _load():
    tried = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append(f"{path}: {e}")
    raise ImportError("starc: cannot load the libstarc shared library (" + "; ".join(tried) +
                      "); install libstarc or set STARC_LIBRARY to the path of libstarc.so")


lib, LIBRARY_PATH = _load()

# --------------------------------------------------------------------------- structures


class Error_t(Structure):
    _fields_ = [("status", c_int), ("message", c_char * 512)]


class MdpOptions(Structure):
    _fields_ = [("prob_tol", c_double)]


class PolicyOptions(Structure):
    _fields_ = [("max_iter", c_size_t), ("tie_tol", c_double), ("prob_tol", c_double), ("tol", c_double),
                ("max_sweeps", c_size_t), ("engine", c_int), ("iterative_tol", c_double),
                ("iterative_max_iter", c_size_t)]


class GridworldOptions(Structure):
    _fields_ = [("gamma", c_double), ("slip", c_double), ("sparse", c_int)]


class PolicyRangeResult(Structure):
    _fields_ = [("optimal_return", c_double), ("worst_return", c_double)]


class CanonOptions(Structure):
    _fields_ = [("state_dist", c_void_p), ("action_dist", c_void_p), ("policy", c_void_p), ("weighted", c_int),
                ("nthreads", c_int), ("prob_tol", c_double), ("max_bytes", c_size_t)]


class DistanceOptions(Structure):
    _fields_ = [("canon", c_int), ("norm", c_int), ("metric", c_int), ("canon_options", CanonOptions),
                ("coverage", c_void_p), ("trivial_tol", c_double), ("policy_options", PolicyOptions),
                ("nthreads", c_int), ("prob_tol", c_double)]


class MetricOptions(Structure):
    _fields_ = [("coverage", c_void_p), ("trivial_tol", c_double), ("prob_tol", c_double)]


class RegretOptions(Structure):
    _fields_ = [("policy_options", PolicyOptions), ("trivial_tol", c_double), ("nthreads", c_int)]


class RegretResult(Structure):
    _fields_ = [("regret", c_double), ("true_optimal_return", c_double), ("proxy_policy_return", c_double),
                ("true_worst_return", c_double)]


class NpyArray(Structure):
    _fields_ = [("ndim", c_size_t), ("shape", c_size_t * 32), ("data", c_void_p), ("dtype", c_char * 16),
                ("fortran_order", c_int)]


class RewardSet(Structure):
    _fields_ = [("n", c_size_t), ("names", POINTER(c_char_p)), ("R", c_void_p), ("layout", POINTER(c_int)),
                ("given", POINTER(c_void_p)), ("R_mapped", c_size_t)]


class GenerateMdpOptions(Structure):
    _fields_ = [("gamma", c_double), ("threshold", c_double), ("floor", c_double)]


class GenerateRewardOptions(Structure):
    _fields_ = [("p_sparse", c_double), ("sparse_threshold", c_double), ("p_scale", c_double),
                ("scale_max", c_double), ("p_shift", c_double), ("shift_max", c_double), ("p_shape", c_double),
                ("shape_max", c_double)]


class GenerateRewardInfo(Structure):
    _fields_ = [("sparse", c_int), ("scaled", c_int), ("shifted", c_int), ("shaped", c_int), ("scale", c_double),
                ("shift", c_double), ("nonzero", c_size_t)]


class TomatoOptions(Structure):
    _fields_ = [("map", c_char_p), ("gamma", c_double), ("dry_prob", c_double), ("base_epsilon", c_double)]


class ProxyOptions(Structure):
    _fields_ = [("prob_tol", c_double), ("sigma_tol", c_double), ("hacking_tol", c_double),
                ("hackable_tol", c_double), ("engine", c_int)]


class ProxyDeterministicOptions(Structure):
    _fields_ = [("proxy_options", ProxyOptions), ("max_policies", c_size_t)]


class ProxyHackabilityResult(Structure):
    _fields_ = [("policies", c_size_t), ("hackable", c_int), ("witness_i", c_size_t), ("witness_j", c_size_t)]


class ProxyStats(Structure):
    _fields_ = [("r", c_double), ("sigma_true", c_double), ("sigma_proxy", c_double), ("mean_true", c_double),
                ("mean_proxy", c_double), ("orpo_coef", c_double)]


class ProxyAnalyzeResult(Structure):
    _fields_ = [("true_return", c_double), ("proxy_return", c_double), ("true_delta_normalized", c_double),
                ("proxy_delta_normalized", c_double), ("a", c_double), ("chi2", c_double), ("bound_a", c_double),
                ("bound_b", c_double), ("bound_tight", c_double)]


class ProxyHackingResult(Structure):
    _fields_ = [("proxy_optimal", ProxyAnalyzeResult), ("true_return_min", c_double),
                ("true_return_max", c_double), ("reward_hacking", c_int)]


class ProxygenOptions(Structure):
    _fields_ = [("kind", c_int), ("seed", c_uint64), ("scale", c_double), ("df", c_double), ("floor", c_double),
                ("comparisons", c_size_t), ("segment", c_size_t), ("temperature", c_double), ("l2", c_double),
                ("tol", c_double), ("max_iter", c_size_t), ("prob_tol", c_double)]


class RegularizeOptions(Structure):
    _fields_ = [("tol", c_double), ("max_iter", c_size_t), ("max_sweeps", c_size_t), ("search_tol", c_double),
                ("search_max_iter", c_size_t), ("stall_max_iter", c_size_t), ("adkl_solver", c_int),
                ("warm_start", c_int), ("prob_tol", c_double), ("engine", c_int)]


class RegularizeResult(Structure):
    _fields_ = [("method", c_int), ("coef", c_double), ("inner_coef", c_double), ("divergence", c_double),
                ("objective", c_double), ("proxy_return", c_double), ("true_return", c_double),
                ("proxy_return_normalized", c_double), ("true_return_normalized", c_double),
                ("proxy_delta", c_double), ("true_delta", c_double), ("proxy_delta_normalized", c_double),
                ("true_delta_normalized", c_double), ("ad_kl", c_double), ("ad_kl_unnormalized", c_double),
                ("state_kl", c_double), ("om_kl", c_double), ("chi2", c_double), ("tv", c_double),
                ("converged", c_int), ("iterations", c_size_t), ("residual", c_double)]


class GaoFit(Structure):
    _fields_ = [("form", c_int), ("n", c_size_t), ("alpha", c_double), ("beta", c_double), ("r2", c_double),
                ("rss", c_double), ("peak_d", c_double), ("peak_kl", c_double), ("peak_value", c_double)]


class OveroptPoint(Structure):
    _fields_ = [("coef", c_double), ("kl", c_double), ("kl_normalized", c_double), ("d", c_double),
                ("chi2", c_double), ("proxy_return", c_double), ("true_return", c_double),
                ("proxy_delta", c_double), ("true_delta", c_double), ("bound", c_double)]


class OveroptOptions(Structure):
    _fields_ = [("coef_min", c_double), ("coef_max", c_double), ("points", c_size_t), ("range_tol", c_double),
                ("range_max_steps", c_size_t), ("bon_max", c_size_t), ("tie_tol", c_double),
                ("regularize_options", RegularizeOptions), ("prob_tol", c_double), ("support_tol", c_double),
                ("gain_tol", c_double), ("flat_tol", c_double)]


class OveroptInfo(Structure):
    _fields_ = [("base_true_return", c_double), ("base_proxy_return", c_double),
                ("proxy_optimal_proxy_return", c_double), ("proxy_optimal_true_return", c_double),
                ("true_optimal_return", c_double), ("true_worst_return", c_double), ("true_range", c_double),
                ("r", c_double), ("sigma_true", c_double), ("sigma_proxy", c_double)]


class OveroptSummary(Structure):
    _fields_ = [("n", c_size_t), ("peak_index", c_size_t), ("peak_true_delta", c_double), ("peak_coef", c_double),
                ("peak_kl", c_double), ("peak_d", c_double), ("end_true_delta", c_double),
                ("end_proxy_delta", c_double), ("end_kl", c_double), ("drop", c_double),
                ("drop_normalized", c_double), ("non_monotone", c_int), ("local_maxima", c_size_t)]


class StudyOptions(Structure):
    _fields_ = [("mdps", c_size_t), ("pairs", c_size_t), ("steps", c_size_t), ("states", c_size_t),
                ("actions", c_size_t), ("gamma", c_double), ("seed", c_uint64), ("nthreads", c_int),
                ("trivial_tol", c_double), ("regret_options", RegretOptions), ("mdp_begin", c_size_t),
                ("mdp_end", c_size_t)]


class StudyVariant(Structure):
    _fields_ = [("canon", c_int), ("norm", c_int), ("metric", c_int)]


STUDY_WORKER = CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p)
STUDY_ORDERED = CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p)
STUDY_PROGRESS = CFUNCTYPE(None, c_size_t, c_size_t, c_void_p)
STUDY_DISCARD = CFUNCTYPE(None, c_void_p, c_void_p)


class StudyCallbacks(Structure):
    _fields_ = [("worker", STUDY_WORKER), ("ordered", STUDY_ORDERED), ("progress", STUDY_PROGRESS),
                ("discard", STUDY_DISCARD), ("user", c_void_p)]


class FitOptions(Structure):
    _fields_ = [("center", c_int), ("skip_nonfinite", c_int), ("bootstrap", c_size_t), ("seed", c_uint64),
                ("level", c_double), ("collinear_tol", c_double), ("tol", c_double), ("gtol", c_double),
                ("max_iter", c_size_t), ("peak_tol", c_double), ("cutoff_kl", c_double), ("tie_tol", c_double)]


class FitCI(Structure):
    _fields_ = [("se", c_double), ("lo", c_double), ("hi", c_double)]


class FitResult(Structure):
    _fields_ = [("form", c_int), ("center", c_int), ("n", c_size_t), ("skipped", c_size_t), ("nparam", c_size_t),
                ("alpha", c_double), ("beta", c_double), ("g", c_double), ("offset", c_double), ("r2", c_double),
                ("rss", c_double), ("sigma", c_double), ("peak_d", c_double), ("peak_kl", c_double),
                ("peak_value", c_double), ("alpha_ci", FitCI), ("beta_ci", FitCI), ("g_ci", FitCI),
                ("offset_ci", FitCI), ("peak_d_ci", FitCI), ("peak_kl_ci", FitCI), ("peak_value_ci", FitCI),
                ("boot", c_size_t), ("boot_failed", c_size_t), ("iterations", c_size_t)]


class FitExtrapolation(Structure):
    _fields_ = [("cutoff_kl", c_double), ("n_fit", c_size_t), ("n_test", c_size_t), ("fit", FitResult),
                ("rmse_fit", c_double), ("rmse_test", c_double), ("rmse_test_full", c_double),
                ("max_abs_test", c_double), ("bias_test", c_double), ("range", c_double)]


class FitScalingResult(Structure):
    _fields_ = [("form", c_int), ("ngroups", c_size_t), ("nsizes", c_size_t), ("alpha0", c_double),
                ("alpha1", c_double), ("alpha0_ci", FitCI), ("alpha1_ci", FitCI), ("beta0", c_double),
                ("beta1", c_double), ("beta0_ci", FitCI), ("beta1_ci", FitCI), ("alpha_r2", c_double),
                ("beta_r2", c_double), ("joint_alpha", c_double), ("joint_alpha_ci", FitCI),
                ("joint_beta0", c_double), ("joint_beta1", c_double), ("joint_beta0_ci", FitCI),
                ("joint_beta1_ci", FitCI), ("joint_r2", c_double), ("joint_beta_r2", c_double),
                ("boot", c_size_t), ("boot_failed", c_size_t)]


class FitPrediction(Structure):
    _fields_ = [("size", c_double), ("alpha", c_double), ("beta", c_double), ("peak_d", c_double),
                ("peak_kl", c_double), ("peak_value", c_double), ("alpha_ci", FitCI), ("beta_ci", FitCI),
                ("peak_d_ci", FitCI), ("peak_kl_ci", FitCI), ("peak_value_ci", FitCI)]


# C type name of every structure above, for the layout checks (the third member, None, is
# kept for a structure that only some builds have: the C macro that guards its check).
STRUCTS = [
    (Error_t, "starc_error", None), (MdpOptions, "starc_mdp_options", None),
    (PolicyOptions, "starc_policy_options", None), (GridworldOptions, "starc_gridworld_options", None),
    (PolicyRangeResult, "starc_policy_range_result", None),
    (CanonOptions, "starc_canon_options", None), (DistanceOptions, "starc_distance_options", None),
    (MetricOptions, "starc_metric_options", None), (RegretOptions, "starc_regret_options", None),
    (RegretResult, "starc_regret_result", None), (NpyArray, "starc_npy_array", None),
    (RewardSet, "starc_io_reward_set", None), (GenerateMdpOptions, "starc_generate_mdp_options", None),
    (GenerateRewardOptions, "starc_generate_reward_options", None),
    (GenerateRewardInfo, "starc_generate_reward_info", None), (TomatoOptions, "starc_tomato_options", None),
    (ProxyOptions, "starc_proxy_options", None), (ProxyStats, "starc_proxy_stats", None),
    (ProxyDeterministicOptions, "starc_proxy_deterministic_options", None),
    (ProxyHackabilityResult, "starc_proxy_hackability_result", None),
    (ProxyAnalyzeResult, "starc_proxy_analyze_result", None),
    (ProxyHackingResult, "starc_proxy_hacking_result", None), (ProxygenOptions, "starc_proxygen_options", None),
    (RegularizeOptions, "starc_regularize_options", None), (RegularizeResult, "starc_regularize_result", None),
    (GaoFit, "starc_overopt_gao_fit", None), (OveroptPoint, "starc_overopt_point", None),
    (OveroptOptions, "starc_overopt_options", None), (OveroptInfo, "starc_overopt_info", None),
    (OveroptSummary, "starc_overopt_summary", None), (StudyOptions, "starc_study_options", None),
    (StudyVariant, "starc_study_variant", None), (StudyCallbacks, "starc_study_callbacks", None),
    (FitOptions, "starc_fit_options", None), (FitCI, "starc_fit_ci", None),
    (FitResult, "starc_fit_result", None), (FitExtrapolation, "starc_fit_extrapolation", None),
    (FitScalingResult, "starc_fit_scaling_result", None), (FitPrediction, "starc_fit_prediction", None),
]

# --------------------------------------------------------------------------- functions

# Every libstarc function the package calls, as declared in <starc/*.h>.
PROTOTYPES = r"""
const char *starc_error_string(int status);
const char *starc_version(void);

void starc_mdp_options_default(starc_mdp_options *o);
int starc_mdp_alloc(size_t S, size_t A, const double *T, const double *mu0, double gamma, const starc_mdp_options *opt, starc_mdp **out, starc_error *err);
void starc_mdp_free(starc_mdp *m);
size_t starc_mdp_states(const starc_mdp *m);
size_t starc_mdp_actions(const starc_mdp *m);
double starc_mdp_gamma(const starc_mdp *m);
const double *starc_mdp_transitions(const starc_mdp *m);
const double *starc_mdp_initial(const starc_mdp *m);
int starc_mdp_reward_expand(const starc_mdp *m, size_t ndim, const size_t *shape, const double *src, double *R, starc_error *err);
void starc_mdp_reward_expected(const starc_mdp *m, const double *R, double *Rbar);
int starc_mdp_alloc_csr(size_t S, size_t A, size_t nnz, const size_t *indptr, const size_t *indices, const double *data, const double *mu0, double gamma, const starc_mdp_options *opt, starc_mdp **out, starc_error *err);
int starc_mdp_is_sparse(const starc_mdp *m);
size_t starc_mdp_nnz(const starc_mdp *m);
void starc_mdp_csr(const starc_mdp *m, const size_t **indptr, const size_t **indices, const double **data);
size_t starc_mdp_reward_size(const starc_mdp *m);

void starc_npy_array_init(starc_npy_array *a);
void starc_npy_array_clear(starc_npy_array *a);
int starc_npy_read(const char *path, starc_npy_array *out, starc_error *err);
int starc_npy_write(const char *path, size_t ndim, const size_t *shape, const double *data, starc_error *err);
int starc_npy_npz_open(const char *path, starc_npy_npz **out, starc_error *err);
void starc_npy_npz_close(starc_npy_npz *z);
size_t starc_npy_npz_count(const starc_npy_npz *z);
const char *starc_npy_npz_name(const starc_npy_npz *z, size_t i);
int starc_npy_npz_read(starc_npy_npz *z, const char *name, starc_npy_array *out, starc_error *err);
int starc_npy_npz_write(const char *path, size_t n, const char *const *names, const starc_npy_array *arrays, int compress, starc_error *err);

int starc_io_mdp_load(const char *path, const starc_mdp_options *opt, starc_mdp **out, starc_error *err);
int starc_io_mdp_save(const char *path, const starc_mdp *m, starc_error *err);
void starc_io_reward_set_init(starc_io_reward_set *rs);
void starc_io_reward_set_clear(starc_io_reward_set *rs);
int starc_io_reward_load(const char *spec, const starc_mdp *m, starc_io_reward_set *rs, starc_error *err);
int starc_io_policy_load(const char *path, const starc_mdp *m, const starc_policy_options *opt, double *pi, starc_error *err);

int starc_stats_pearson(size_t n, const double *x, const double *y, double *r, starc_error *err);
int starc_stats_rank_average(size_t n, const double *x, double *ranks, starc_error *err);
int starc_stats_spearman(size_t n, const double *x, const double *y, double *rho, starc_error *err);

void starc_policy_options_default(starc_policy_options *o);
int starc_policy_validate(const starc_mdp *m, const double *pi, const starc_policy_options *opt, starc_error *err);
void starc_policy_uniform(const starc_mdp *m, double *pi);
void starc_policy_from_actions(const starc_mdp *m, const size_t *act, double *pi);
int starc_policy_evaluate(const starc_mdp *m, const double *pi, const double *R, double *V, double *Q, starc_policy_workspace *ws, starc_error *err);
int starc_policy_return(const starc_mdp *m, const double *pi, const double *R, double *J, starc_policy_workspace *ws, starc_error *err);
double starc_policy_values_return(const starc_mdp *m, const double *V);
int starc_policy_solve(const starc_mdp *m, const double *pi, const double *Rbar, const starc_policy_options *opt, double *V, double *Q, double *d, double *mu, starc_error *err);
const char *starc_policy_engine_name(starc_policy_engine e);
int starc_policy_occupancy(const starc_mdp *m, const double *pi, double *d, double *mu, starc_policy_workspace *ws, starc_error *err);
int starc_policy_optimal(const starc_mdp *m, const double *R, const starc_policy_options *opt, size_t *act, double *V, size_t *iters, starc_policy_workspace *ws, starc_error *err);
int starc_policy_worst(const starc_mdp *m, const double *R, const starc_policy_options *opt, size_t *act, double *V, size_t *iters, starc_policy_workspace *ws, starc_error *err);
int starc_policy_range_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt, starc_policy_range_result *res, starc_policy_workspace *ws, starc_error *err);
int starc_policy_value_iteration_rbar(const starc_mdp *m, const double *Rbar, const starc_policy_options *opt, double *V, size_t *act, size_t *iters, starc_error *err);
int starc_policy_evaluator_alloc(const starc_mdp *m, const double *pi, starc_policy_evaluator **out, starc_error *err);
void starc_policy_evaluator_free(starc_policy_evaluator *ev);
int starc_policy_evaluator_values(starc_policy_evaluator *ev, const double *R, double *V, double *Q, starc_error *err);
int starc_policy_evaluator_occupancy(starc_policy_evaluator *ev, double *d, double *mu, starc_error *err);

int starc_generate_rng_alloc(uint64_t seed, starc_generate_rng **out, starc_error *err);
void starc_generate_rng_free(starc_generate_rng *rng);
double starc_generate_rng_uniform(starc_generate_rng *rng);
double starc_generate_rng_gaussian(starc_generate_rng *rng);
size_t starc_generate_rng_uniform_int(starc_generate_rng *rng, size_t n);
int starc_generate_mdp_uniform(size_t S, size_t A, double gamma, starc_mdp **out, starc_error *err);
double starc_generate_transition_threshold(size_t S);
double starc_generate_sparsity_threshold(size_t S);
void starc_generate_mdp_options_default(starc_generate_mdp_options *o);
int starc_generate_mdp(starc_generate_rng *rng, size_t S, size_t A, const starc_generate_mdp_options *o, starc_mdp **out, starc_error *err);
int starc_generate_mdp_successors(starc_generate_rng *rng, size_t S, size_t A, size_t K, double gamma, double alpha, starc_mdp **out, starc_error *err);
int starc_generate_mdp_dirichlet(starc_generate_rng *rng, size_t S, size_t A, double gamma, double alpha, starc_mdp **out, starc_error *err);
void starc_generate_reward_options_default(starc_generate_reward_options *o);
int starc_generate_reward(starc_generate_rng *rng, const starc_mdp *m, const starc_generate_reward_options *o, double *R, starc_generate_reward_info *info, starc_error *err);
void starc_generate_interpolate(size_t n, const double *R1, const double *R2, double t, double *out);

int starc_gridworld_mdp(size_t rows, size_t cols, double gamma, starc_mdp **out, starc_error *err);
void starc_gridworld_options_default(starc_gridworld_options *o);
int starc_gridworld_slippery(size_t cols, size_t rows, const starc_gridworld_options *opt, starc_mdp **out, starc_error *err);
const char *starc_gridworld_epic_name(size_t i);
int starc_gridworld_epic_reward(size_t i, double gamma, double *R, starc_error *err);

void starc_regret_options_default(starc_regret_options *o);
int starc_regret(const starc_mdp *m, const double *Rt, const double *Rp, const starc_regret_options *opt, starc_regret_result *res, starc_policy_workspace *ws, starc_error *err);

const char *starc_canon_kind_name(starc_canon_kind kind);
int starc_canon_kind_parse(const char *name, starc_canon_kind *kind, starc_error *err);
void starc_canon_options_default(starc_canon_options *o);
int starc_canon_compute(const starc_mdp *m, starc_canon_kind kind, const starc_canon_options *opt, const double *R, double *C, starc_error *err);
const char *starc_norm_kind_name(starc_norm_kind kind);
int starc_norm_kind_parse(const char *name, starc_norm_kind *kind, starc_error *err);
int starc_norm_value(const starc_mdp *m, starc_norm_kind kind, const double *x, const starc_policy_options *opt, double *value, starc_error *err);
const char *starc_metric_kind_name(starc_metric_kind kind);
int starc_metric_kind_parse(const char *name, starc_metric_kind *kind, starc_error *err);
void starc_metric_options_default(starc_metric_options *o);
int starc_metric_value(const starc_mdp *m, starc_metric_kind kind, const double *x, const double *y, const starc_metric_options *opt, double *value, starc_error *err);

void starc_distance_options_default(starc_distance_options *o);
void starc_distance_options_epic(starc_distance_options *o);
void starc_distance_options_dard(starc_distance_options *o);
int starc_distance_plan_alloc(const starc_mdp *m, const starc_distance_options *o, starc_distance_plan **out, starc_error *err);
void starc_distance_plan_free(starc_distance_plan *p);
const starc_distance_options *starc_distance_plan_options(const starc_distance_plan *p);
int starc_distance_pair(starc_distance_plan *p, const double *R1, const double *R2, double *d, starc_error *err);
int starc_distance_matrix(starc_distance_plan *p, size_t n, const double *const *R, double *D, starc_error *err);
int starc_distance_pair_shaped(starc_distance_plan *p, size_t ndim1, const size_t *shape1, const double *R1, size_t ndim2, const size_t *shape2, const double *R2, double *d, starc_error *err);
int starc_distance_standardize(starc_distance_plan *p, const double *R, double *out, double *norm, int *trivial, starc_error *err);
double starc_distance_trivial_tol(double tol, starc_canon_kind canon, double gamma, size_t S);

void starc_tomato_options_default(starc_tomato_options *o);
int starc_tomato_alloc(const starc_tomato_options *o, starc_tomato **out, starc_error *err);
void starc_tomato_free(starc_tomato *t);
const starc_mdp *starc_tomato_mdp(const starc_tomato *t);
const double *starc_tomato_true_reward(const starc_tomato *t);
const double *starc_tomato_proxy_reward(const starc_tomato *t);
const double *starc_tomato_base_policy(const starc_tomato *t);
size_t starc_tomato_rows(const starc_tomato *t);
size_t starc_tomato_cols(const starc_tomato *t);
size_t starc_tomato_count(const starc_tomato *t);
size_t starc_tomato_bucket(const starc_tomato *t);

void starc_proxy_options_default(starc_proxy_options *o);
int starc_proxy_weighted_stats(size_t n, const double *w, const double *x, const double *y, const starc_proxy_options *opt, starc_proxy_stats *out, starc_error *err);
void starc_proxy_bounds(double r, double sigma_t, double sigma_p, double dJp, double chi2, double *bound_a, double *bound_b, double *bound_tight);
int starc_proxy_alloc_rbar(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p, const double *base, const starc_proxy_options *opt, starc_proxy **out, starc_error *err);
void starc_proxy_free(starc_proxy *p);
const starc_proxy_stats *starc_proxy_get_stats(const starc_proxy *p);
void starc_proxy_base_returns(const starc_proxy *p, double *true_return, double *proxy_return);
const double *starc_proxy_base_occupancy(const starc_proxy *p);
int starc_proxy_analyze(starc_proxy *p, const double *pi, starc_proxy_analyze_result *out, starc_error *err);
int starc_proxy_check_hacking(starc_proxy *p, const starc_policy_options *opt, size_t *act, starc_proxy_hacking_result *out, starc_error *err);
int starc_proxy_hackable_rbar(const starc_mdp *m, const double *Rbar1, const double *Rbar2, size_t n, const double *policies, const starc_proxy_options *opt, int *hackable, size_t *wi, size_t *wj, starc_error *err);
void starc_proxy_deterministic_options_default(starc_proxy_deterministic_options *o);
int starc_proxy_deterministic_count(const starc_mdp *m, const starc_proxy_deterministic_options *o, size_t *n, starc_error *err);
void starc_proxy_deterministic_policy(const starc_mdp *m, size_t k, double *pi);
int starc_proxy_hackable_deterministic_rbar(const starc_mdp *m, const double *Rbar_true, const double *Rbar_proxy, const starc_proxy_deterministic_options *o, starc_proxy_hackability_result *out, starc_error *err);

const char *starc_proxygen_kind_name(starc_proxygen_kind kind);
int starc_proxygen_kind_parse(const char *name, starc_proxygen_kind *kind, starc_error *err);
void starc_proxygen_options_default(starc_proxygen_options *o);
int starc_proxygen(const starc_mdp *m, const double *Rt, const double *pi_b, const starc_proxygen_options *o, double *Rp, starc_error *err);
int starc_proxygen_bt_fit(size_t p, size_t n, size_t H, const size_t *seg1, const size_t *seg2, const double *pref, const starc_proxygen_options *opt, double *w, size_t *iters, starc_error *err);

const char *starc_regularize_method_name(starc_regularize_method method);
int starc_regularize_method_parse(const char *name, starc_regularize_method *method, starc_error *err);
const char *starc_regularize_adkl_solver_name(starc_regularize_adkl_solver solver);
int starc_regularize_adkl_solver_parse(const char *name, starc_regularize_adkl_solver *solver, starc_error *err);
void starc_regularize_options_default(starc_regularize_options *o);
int starc_regularize_alloc_rbar(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p, const double *base, const starc_regularize_options *opt, starc_regularize **out, starc_error *err);
void starc_regularize_free(starc_regularize *rg);
int starc_regularize_set_options(starc_regularize *rg, const starc_regularize_options *opt, starc_error *err);
void starc_regularize_reset(starc_regularize *rg);
int starc_regularize_solve(starc_regularize *rg, starc_regularize_method method, double coef, double *pi, starc_regularize_result *res, starc_error *err);
int starc_regularize_evaluate(starc_regularize *rg, const double *pi, starc_regularize_method method, double coef, starc_regularize_result *res, starc_error *err);
const double *starc_regularize_base_occupancy(const starc_regularize *rg);
void starc_regularize_base_returns(const starc_regularize *rg, double *true_return, double *proxy_return);
const double *starc_regularize_occupancy(const starc_regularize *rg);

double starc_overopt_gao_eval(starc_overopt_gao_form form, double alpha, double beta, double d);
int starc_overopt_gao_fit_points(starc_overopt_gao_form form, size_t n, const double *d, const double *y, starc_overopt_gao_fit *fit, starc_error *err);
int starc_overopt_bon_distribution(size_t A, const double *p, const double *score, size_t n, double tol, double *out, double *kl, starc_error *err);
void starc_overopt_options_default(starc_overopt_options *o);
int starc_overopt_alloc(const starc_mdp *m, const double *Rt, const double *Rp, const double *pi_b, const starc_overopt_options *opt, starc_overopt **out, starc_error *err);
int starc_overopt_alloc_rbar(const starc_mdp *m, const double *Rbar_t, const double *Rbar_p, const double *pi_b, const starc_overopt_options *opt, starc_overopt **out, starc_error *err);
void starc_overopt_free(starc_overopt *p);
void starc_overopt_get_info(const starc_overopt *p, starc_overopt_info *info);
void starc_overopt_proxy_optimal_policy(const starc_overopt *p, double *pi);
int starc_overopt_evaluate(starc_overopt *p, const double *pi, double coef, starc_overopt_point *pt, starc_error *err);
int starc_overopt_bon(starc_overopt *p, size_t n, const starc_overopt_options *o, double *pi, starc_overopt_point *pt, starc_error *err);
const char *starc_overopt_method_name(starc_overopt_method method);
int starc_overopt_method_parse(const char *name, starc_overopt_method *method, starc_error *err);
int starc_overopt_sweep(starc_overopt *p, starc_overopt_method method, const starc_overopt_options *o, starc_overopt_point *pts, size_t *npts, double *coef_lo, double *coef_hi, starc_error *err);
int starc_overopt_solve(starc_overopt *p, starc_overopt_method method, double coef, const starc_regularize_options *opt, double *pi, starc_overopt_point *pt, starc_error *err);
int starc_overopt_summarize(const starc_overopt_point *pts, size_t n, double true_range, const starc_overopt_options *o, starc_overopt_summary *s, starc_error *err);

void starc_study_options_default(starc_study_options *o);
uint64_t starc_study_mdp_seed(uint64_t seed, size_t j);
size_t starc_study_nvariants(void);
const starc_study_variant *starc_study_variants(void);
int starc_study_run(const starc_study_options *o, const starc_study_callbacks *cb, starc_study **out, starc_error *err);
void starc_study_free(starc_study *s);
size_t starc_study_npoints(const starc_study *s);
const double *starc_study_regrets(const starc_study *s);
const double *starc_study_values(const starc_study *s, size_t v);
double starc_study_pearson(const starc_study *s, size_t v);
double starc_study_spearman(const starc_study *s, size_t v);
size_t starc_study_nfinite(const starc_study *s, size_t v);
const char *starc_fit_form_name(starc_fit_form form);
int starc_fit_form_parse(const char *name, starc_fit_form *out, starc_error *err);
const char *starc_fit_center_name(starc_fit_center center);
int starc_fit_center_parse(const char *name, starc_fit_center *out, starc_error *err);
void starc_fit_options_default(starc_fit_options *o);
double starc_fit_eval(starc_fit_form form, double alpha, double beta, double g, double d);
int starc_fit_peak(starc_fit_form form, double alpha, double beta, double g, const starc_fit_options *o, double *peak_d, double *peak_value, starc_error *err);
int starc_fit_points(starc_fit_form form, size_t n, const double *d, const double *y, const starc_fit_options *opt, starc_fit_result *res, double *resid, starc_error *err);
int starc_fit_extrapolate(starc_fit_form form, size_t n, const double *d, const double *y, const starc_fit_options *opt, starc_fit_extrapolation *res, starc_error *err);
int starc_fit_bon_curve(size_t nprompts, const size_t *count, const double *proxy, const double *gold, size_t nmax, const starc_fit_options *opt, double *gold_bon, double *proxy_bon, double *kl, starc_error *err);
int starc_fit_bon_points(starc_fit_form form, size_t nprompts, const size_t *count, const double *proxy, const double *score, size_t nmax, const starc_fit_options *opt, starc_fit_result *res, double *score_bon, double *kl, starc_error *err);
const char *starc_fit_scaling_kind_name(starc_fit_scaling_kind kind);
int starc_fit_scaling_kind_parse(const char *name, starc_fit_scaling_kind *out, starc_error *err);
int starc_fit_scaling_alloc(starc_fit_form form, size_t ngroups, const double *size, const size_t *npts, const double *const *d, const double *const *y, const starc_fit_options *opt, starc_fit_scaling **out, starc_error *err);
void starc_fit_scaling_free(starc_fit_scaling *s);
void starc_fit_scaling_get(const starc_fit_scaling *s, starc_fit_scaling_result *res);
int starc_fit_scaling_group(const starc_fit_scaling *s, size_t k, starc_fit_result *fit, double *joint_beta, starc_fit_ci *joint_beta_ci, starc_error *err);
int starc_fit_scaling_predict(const starc_fit_scaling *s, starc_fit_scaling_kind kind, double size, starc_fit_prediction *pred, starc_error *err);
"""


_ENUMS = {"starc_policy_engine", "starc_canon_kind", "starc_norm_kind", "starc_metric_kind", "starc_proxygen_kind",
          "starc_regularize_method", "starc_regularize_adkl_solver", "starc_overopt_method", "starc_overopt_gao_form",
          "starc_fit_form", "starc_fit_center", "starc_fit_scaling_kind"}
_SCALARS = {"void": None, "int": c_int, "long": c_long, "size_t": c_size_t, "uint64_t": c_uint64,
            "double": c_double, "unsigned long": c_ulong}


def _ctype(text):
    t = " ".join(text.replace("*", " * ").split())
    if "*" in t:
        return c_char_p if t in ("const char *", "char *") else c_void_p
    t = t.replace("const ", "")
    if t in _ENUMS:
        return c_int
    return _SCALARS[t]


_DECL = re.compile(r"^(?P<ret>.*?)\b(?P<name>starc_\w+)\s*\((?P<args>.*)\)\s*;$", re.S)


def parse_prototypes(text):
    """[(name, restype, [argtypes], declaration)] of the declarations in @p text."""
    out = []
    for decl in (d.strip() + ";" for d in text.split(";") if d.strip()):
        m = _DECL.match(" ".join(decl.split()))
        if not m:
            raise RuntimeError(f"starc: cannot parse the declaration {decl!r}")
        args = [a.strip() for a in m.group("args").split(",")]
        if args == ["void"]:
            args = []
        argtypes = [_ctype(re.sub(r"\w+$", "", a)) for a in args]
        out.append((m.group("name"), _ctype(m.group("ret")), argtypes, decl))
    return out


class _Missing:
    """Stands in for a function this libstarc does not export."""

    def __init__(self, name):
        self.name = name

    def __call__(self, *args):
        raise Error(STARC_EINVAL, f"{self.name}: not in {LIBRARY_PATH} (a libstarc of another version)")


class _Functions:
    pass


fn = _Functions()
MISSING = []


def _bind(proto, required):
    for name, restype, argtypes, _ in proto:
        try:
            f = getattr(lib, name)
        except AttributeError:
            if required:
                MISSING.append(name)
            setattr(fn, name, _Missing(name))
            continue
        f.restype = restype
        f.argtypes = argtypes
        setattr(fn, name, f)


_bind(parse_prototypes(PROTOTYPES), True)

# GSL's default error handler aborts the process; libstarc validates its inputs and
# expects embedders to switch it off (starc/starc.h).
try:
    _gsl_off = lib.gsl_set_error_handler_off
    _gsl_off.restype = c_void_p
    _gsl_off.argtypes = []
    _gsl_off()
except AttributeError:
    pass

# --------------------------------------------------------------------------- errors

# starc_io_reward_layout
STARC_IO_REWARD_FULL, STARC_IO_REWARD_STATE, STARC_IO_REWARD_STATE_ACTION = 0, 1, 2

STARC_OK, STARC_EINVAL, STARC_EDIM, STARC_ENOMEM, STARC_EIO = 0, 1, 2, 3, 4
STARC_EFORMAT, STARC_ENOCONV, STARC_ELAPACK, STARC_EUNDEF = 5, 6, 7, 8
STATUS_NAMES = {0: "OK", 1: "EINVAL", 2: "EDIM", 3: "ENOMEM", 4: "EIO", 5: "EFORMAT", 6: "ENOCONV", 7: "ELAPACK",
                8: "EUNDEF"}


class Error(ValueError):
    """A libstarc call failed, or its arguments could not be passed to it.

    ``str(e)`` is the library's one-line message (the same text the ``starc`` command prints
    after its ``starc CMD:`` prefix).  Errors found before the library is called (an array that
    is not numeric, say) carry ``starc.EINVAL`` or ``starc.EDIM`` like the library's own.

    Parameters
    ----------
    status : int
        The library's status code (``starc.EINVAL``, ``starc.EDIM``, ...), kept as ``status``;
        ``status_name`` is its name.
    message : str
        The one-line message, kept as ``message``.
    """

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.status_name = STATUS_NAMES.get(status, str(status))
        self.message = message


_tls = threading.local()


def err_buf():
    """This thread's starc_error (reused: a call fills it only when it fails)."""
    try:
        return _tls.err
    except AttributeError:
        _tls.err = e = Error_t()
        _tls.err_ref = ctypes.byref(e)
        return e


def err_ref():
    try:
        return _tls.err_ref
    except AttributeError:
        err_buf()
        return _tls.err_ref


def raise_status(status, prefix=None):
    """Raise Error for a failed call whose message is in this thread's error buffer."""
    e = err_buf()
    msg = e.message.decode("utf-8", "replace")
    if not msg:
        msg = fn.starc_error_string(status).decode()
    e.message = b""
    if prefix:
        msg = f"{prefix}: {msg}"
    raise Error(status, msg)


def check(status, prefix=None):
    if status:
        raise_status(status, prefix)


# --------------------------------------------------------------------------- names


def _names(name_fn):
    if isinstance(name_fn, _Missing):
        return ()
    out = []
    while True:
        s = name_fn(len(out))
        if s is None:
            return tuple(out)
        out.append(s.decode())


ENGINES = _names(fn.starc_policy_engine_name)
CANONS = _names(fn.starc_canon_kind_name)
NORMS = _names(fn.starc_norm_kind_name)
METRICS = _names(fn.starc_metric_kind_name)
REGULARIZE_METHODS = _names(fn.starc_regularize_method_name)
ADKL_SOLVERS = _names(fn.starc_regularize_adkl_solver_name)
OVEROPT_METHODS = _names(fn.starc_overopt_method_name)
PROXY_KINDS = _names(fn.starc_proxygen_kind_name)
FIT_FORMS = _names(fn.starc_fit_form_name)
FIT_CENTERS = _names(fn.starc_fit_center_name)
FIT_SCALING_KINDS = _names(fn.starc_fit_scaling_kind_name)


def parse_kind(value, names, parse_fn, what):
    """The enum value of the name @p value; the library's message when it is not one."""
    if isinstance(value, str):
        try:
            return names.index(value)
        except ValueError:
            pass
        out = c_int()
        st = parse_fn(value.encode(), ctypes.byref(out), err_ref())
        if st == 0:  # an alias the library accepts
            return out.value
        raise_status(st, what)
    raise Error(STARC_EINVAL, f"{what}: {value!r} is not a name; use one of {', '.join(names)}")


# --------------------------------------------------------------------------- BLAS threads

try:
    _blas_get = lib.openblas_get_num_threads
    _blas_get.restype = c_int
    _blas_get.argtypes = []
    _blas_set = lib.openblas_set_num_threads
    _blas_set.restype = None
    _blas_set.argtypes = [c_int]
except AttributeError:  # another BLAS: nothing to pin
    _blas_get = _blas_set = None


def blas_threads():
    """OpenBLAS's thread count in this process.

    Returns
    -------
    int or None
        None with another BLAS.
    """
    return _blas_get() if _blas_get else None


def set_blas_threads(n):
    """Set OpenBLAS's thread count (process-wide; numpy shares it); no-op with another BLAS.

    Parameters
    ----------
    n : int
        The number of threads.
    """
    if _blas_set:
        _blas_set(int(n))


class single_blas_thread:
    """Context manager: OpenBLAS on one thread inside, as the ``starc`` command runs it (its
    threaded LAPACK rounds differently with different thread counts), restored on exit."""

    def __enter__(self):
        self.saved = blas_threads()
        if self.saved is not None and self.saved != 1:
            set_blas_threads(1)
        return self

    def __exit__(self, *exc):
        if self.saved is not None and self.saved != 1:
            set_blas_threads(self.saved)
