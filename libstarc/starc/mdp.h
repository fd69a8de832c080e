/** @file starc/mdp.h
 *  @brief Finite MDPs (T, mu0, gamma) and reward tensors.
 *
 *  Notation (docs/theory.md): S states, A actions, `T[(s*A + a)*S + s2]` is the
 *  probability of moving to s2 after action a in state s, `mu0[s]` the initial
 *  distribution and `gamma` in [0,1) the discount.  A reward is a dense
 *  row-major tensor `R[(s*A + a)*S + s2]`; shorter shapes broadcast through
 *  starc_mdp_reward_expand().
 *
 *  Sparse MDPs (docs/sparse.md) hold T in compressed sparse row (CSR) form:
 *  row `r = s*A + a` is T[s,a,:], its stored entries are `data[k]` at columns
 *  `indices[k]` for k in [indptr[r], indptr[r+1]), exactly
 *  `scipy.sparse.csr_matrix((data, indices, indptr), shape=(S*A, S))`.  On a
 *  sparse MDP a full reward has starc_mdp_reward_size() = nnz doubles, one per
 *  stored transition in CSR order, meaning the (S,A,S) tensor that holds those
 *  values on the support and 0 off it.  Functions that need the dense T fail
 *  on a sparse MDP with ::STARC_EINVAL and the message
 *  "<what> needs a dense MDP (sparse MDPs: see docs/sparse.md)".
 */
#ifndef STARC_MDP_H
#define STARC_MDP_H

#include <stddef.h>
#include "starc/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Default tolerance on probability sums (rows of T, mu0, policy rows). */
#define STARC_MDP_PROB_TOL 1e-8

/** @brief An immutable finite MDP (opaque). */
typedef struct starc_mdp starc_mdp;

/** @brief Options of starc_mdp_alloc() and starc_mdp_validate(). */
typedef struct starc_mdp_options {
    double prob_tol; /**< absolute tolerance on the sums of the rows of T and of mu0, >= 0
                          (default ::STARC_MDP_PROB_TOL) */
} starc_mdp_options;

/** @brief Fill @p o with the defaults documented in ::starc_mdp_options. */
void starc_mdp_options_default(starc_mdp_options *o);

/** @brief Check (T, mu0, gamma) without building an MDP.
 *
 *  Fails with ::STARC_EDIM when S or A is 0 or S*A*S overflows, and with
 *  ::STARC_EINVAL (message naming the first offending entry) when a
 *  probability is negative or not finite, a row of T or mu0 does not sum to 1
 *  within `opt->prob_tol`, or gamma is not in [0,1).
 *  @param opt  options, or NULL for the defaults */
int starc_mdp_validate(size_t S, size_t A, const double *T, const double *mu0, double gamma,
                       const starc_mdp_options *opt, starc_error *err);

/** @brief Build an MDP from copies of @p T (S*A*S) and @p mu0 (S).
 *
 *  Validates with starc_mdp_validate() with @p opt (NULL = defaults); the
 *  data are copied unchanged.  On success @p *out owns new memory, release it
 *  with starc_mdp_free(). */
int starc_mdp_alloc(size_t S, size_t A, const double *T, const double *mu0, double gamma,
                    const starc_mdp_options *opt, starc_mdp **out, starc_error *err);

/** @brief Build an MDP that takes ownership of @p T and @p mu0 instead of copying them.
 *
 *  As starc_mdp_alloc(), but on success the MDP owns the two buffers, which
 *  must come from malloc() (or posix_memalign()) and are released by
 *  starc_mdp_free(); the caller must not use or free them afterwards.  On
 *  failure nothing is taken: the caller still owns and frees them.  For
 *  loaders, which read T straight into the buffer the MDP keeps. */
int starc_mdp_alloc_adopt(size_t S, size_t A, double *T, double *mu0, double gamma, const starc_mdp_options *opt,
                          starc_mdp **out, starc_error *err);

/** @brief Release an MDP; NULL is a no-op. */
void starc_mdp_free(starc_mdp *m);

/** @brief Number of states S. */
size_t starc_mdp_states(const starc_mdp *m);
/** @brief Number of actions A. */
size_t starc_mdp_actions(const starc_mdp *m);
/** @brief Discount factor gamma. */
double starc_mdp_gamma(const starc_mdp *m);
/** @brief The transition tensor T (S*A*S, row-major), owned by the MDP; NULL for a sparse MDP
 *  (starc_mdp_csr() gives its transitions). */
const double *starc_mdp_transitions(const starc_mdp *m);
/** @brief The initial distribution mu0 (S), owned by the MDP. */
const double *starc_mdp_initial(const starc_mdp *m);

/** @brief Build a sparse MDP from copies of T in CSR form (@p indptr, @p indices, @p data) and @p mu0 (S).
 *
 *  @p indptr has S*A+1 entries, @p indices and @p data have @p nnz.  Fails with
 *  ::STARC_EDIM when S or A is 0, S*A+1 or nnz overflows a buffer size,
 *  `indptr[0] != 0`, indptr decreases or `indptr[S*A] != nnz`; with
 *  ::STARC_EINVAL (message naming the first offending entry) when a column
 *  index is out of [0,S) or not strictly increasing within its row (duplicates
 *  are an error), a value is negative or not finite, a row or mu0 does not sum
 *  to 1 within `opt->prob_tol`, or gamma is not in [0,1).  Explicit zeros are
 *  allowed and count as stored ("on the support").
 *  @param opt  options, or NULL for the defaults */
int starc_mdp_alloc_csr(size_t S, size_t A, size_t nnz, const size_t *indptr, const size_t *indices,
                        const double *data, const double *mu0, double gamma, const starc_mdp_options *opt,
                        starc_mdp **out, starc_error *err);

/** @brief starc_mdp_alloc_csr() taking ownership of the four buffers instead of copying them.
 *
 *  As starc_mdp_alloc_adopt(): on success the MDP owns @p indptr, @p indices,
 *  @p data and @p mu0 (all from malloc()) and starc_mdp_free() releases them;
 *  on failure nothing is taken. */
int starc_mdp_alloc_csr_adopt(size_t S, size_t A, size_t nnz, size_t *indptr, size_t *indices, double *data,
                              double *mu0, double gamma, const starc_mdp_options *opt, starc_mdp **out,
                              starc_error *err);

/** @brief 1 if @p m holds T in CSR form, 0 if dense. */
int starc_mdp_is_sparse(const starc_mdp *m);

/** @brief Stored transitions: nnz for a sparse MDP, S*A*S for a dense one. */
size_t starc_mdp_nnz(const starc_mdp *m);

/** @brief The CSR arrays of a sparse MDP (owned by it); all three set to NULL for a dense MDP.
 *  Any of the out pointers may be NULL. */
void starc_mdp_csr(const starc_mdp *m, const size_t **indptr, const size_t **indices, const double **data);

/** @brief Doubles in a full reward of @p m: S*A*S for a dense MDP, nnz for a sparse one. */
size_t starc_mdp_reward_size(const starc_mdp *m);

/** @brief Expand a reward of shape (S,), (S,A) or (S,A,S) to a dense (S,A,S) tensor.
 *
 *  `(S,)` means R(s,a,s') = r(s) (the state being left), `(S,A)` means
 *  R(s,a,s') = r(s,a).  @p R must hold starc_mdp_reward_size() doubles.  On a
 *  sparse MDP the shapes are (S,), (S,A) and (nnz,) (a 1-d array of length S
 *  is a state reward), and @p R receives the values on the support in CSR
 *  order, which loses what an (S,)/(S,A) reward says off the support
 *  (starc_io_reward_set keeps the shape a reward was given in).  @p src may
 *  equal @p R for the full shape.  Fails with
 *  ::STARC_EDIM (message gives expected and actual shape) on a shape that does
 *  not fit the MDP, ::STARC_EINVAL on a non-finite entry. */
int starc_mdp_reward_expand(const starc_mdp *m, size_t ndim, const size_t *shape,
                        const double *src, double *R, starc_error *err);

/** @brief Expected reward Rbar(s,a) = sum_s' T[s,a,s'] R[s,a,s'] (S*A output); on a sparse MDP
 *  the sum runs over the stored entries and @p R has nnz values. */
void starc_mdp_reward_expected(const starc_mdp *m, const double *R, double *Rbar);

/** @brief starc_mdp_reward_expected() of a reward given in its own shape, without expanding it.
 *
 *  Shapes as for starc_mdp_reward_expand() (a 1-d array of length S is a state reward).  An (S,)
 *  or (S,A) reward r gives `Rbar(s,a) = sum_s' T[s,a,s'] r` (r = r(s) or r(s,a)) from one pass
 *  over T: the same sums in the same order as starc_mdp_reward_expected() of its expansion, so
 *  bit for bit its result (unlike starc_mdp_state_reward_expected(), which writes r(s) exactly).
 *  A full reward is starc_mdp_reward_expected().  Entries are not checked for finiteness (the
 *  loaders and starc_mdp_reward_expand() do).
 *  @return ::STARC_EDIM (message as starc_mdp_reward_expand()'s) for a shape the MDP does not
 *  take, ::STARC_EINVAL for a NULL argument. */
int starc_mdp_reward_expected_shaped(const starc_mdp *m, size_t ndim, const size_t *shape, const double *R,
                                     double *Rbar, starc_error *err);

/** @brief The expected reward (S*A) of a state reward r (S): `Rbar(s,a) = r(s)`.
 *
 *  The expected reward of R(s,a,s') = r(s) (the state being left, starc_mdp_reward_expand() of an (S,)
 *  array) is `sum_s' T[s,a,s'] r(s) = r(s)`, since rows of T sum to 1; it is written exactly,
 *  without the round-off of that sum. */
void starc_mdp_state_reward_expected(const starc_mdp *m, const double *r, double *Rbar);

#ifdef __cplusplus
}
#endif
#endif
