"""Multiple systems estimation (capture-recapture) with log-linear Poisson models.

Given k overlapping lists, the 2**k - 1 observable cells of the capture table (capture.py) are
fitted with a Poisson log-linear model: the log of a cell's expected count is an intercept, plus
one main effect per list the cell is on, plus one interaction per *pair* of lists the cell is on
that the model includes (a pairwise interaction models dependence between two lists: people on
one are more, or less, likely to be on the other). The model is extended to the cell nobody can
see (on no list), whose expected count is exp(intercept): that is the estimate of the people
nobody documented, and the observed count plus it is the estimate of the total.

What this module adds to a textbook fit is the care the method needs on real lists:

* Existence and identifiability (Fienberg & Rinaldo 2012; Chan, Silverman & Vincent 2021). With
  empty cells, e.g. two lists that never overlap, the maximum likelihood estimate may not exist:
  some parameters run off to minus infinity. A linear program finds the cells whose fitted
  counts must go to zero (the complement of the *facial set*); the model is fitted on the rest,
  and a second check decides whether the unobserved cell is still determined. If it is not,
  the answer is that the data have no finite estimate under that model (the fit says so and
  gives no number), not a huge number produced by a diverging iteration.
* Model choice is reported, not hidden: every candidate model is kept with its deviance,
  AIC, BIC, estimate and interval, so a report can show how much the answer depends on it.
* Intervals: profile likelihood for the total (Cormack 1992, as in Rcapture's closedpCI), and
  optionally a parametric bootstrap that repeats the model selection in every replicate.

Plain numpy; scipy for the linear programs, root finding and distributions. No Django.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, stats

from volia.stats.capture import CaptureTable

Term = tuple[int, ...]  # an interaction of two (or three) lists, indices ascending

METHODS = ("auto", "bic", "aic", "stepwise")
MAX_EXHAUSTIVE_MODELS = 1100  # all 1,024 pairwise models of 5 lists; beyond that, search step by step
DEFAULT_P_THRESHOLD = 0.02  # the default of Chan, Silverman & Vincent's stepwise fit (R package SparseMSE)
IMPLAUSIBLE_RATIO = 10.0  # an estimate of more than 10 unseen people per seen one is flagged
_LP_TOL = 1e-7

ASSUMPTIONS = [
    "Closed population: the lists describe one and the same group of people over the period "
    "(or on the date) studied; nobody enters or leaves it between the lists.",
    "Perfect linkage: a person who is on several lists has been recognised as the same person on "
    "each of them, and no two people have been merged. Missed links make the estimate too large; "
    "false merges make it too small.",
    "Every person in the population could have been on any list; people no organisation could "
    "ever reach are not in what is estimated.",
    "Dependence between lists (organisations that share sources or cases) is what the chosen "
    "model's interactions describe. Dependence that the observed overlaps cannot reveal, "
    "such as all lists together missing the same kind of person, cannot be corrected for.",
    "Within each stratum, people differ in how likely they are to be listed only in ways the "
    "model describes. Unmodelled differences in visibility (region, publicity, fear of the "
    "family) usually make the estimate too small; stratifying (--by) reduces that.",
    "Everyone on a list belongs to the population counted (no false entries).",
]


# --- model fitting ---------------------------------------------------------------------------


def all_pairs(k: int) -> list[Term]:
    return list(itertools.combinations(range(k), 2))


def candidate_terms(k: int, max_order: int = 2) -> list[Term]:
    return [t for order in range(2, max_order + 1) for t in itertools.combinations(range(k), order)]


def canonical(interactions: Iterable[Term]) -> tuple[Term, ...]:
    return tuple(sorted({tuple(sorted(t)) for t in interactions}, key=lambda t: (len(t), t)))


def is_hierarchical(interactions: Iterable[Term]) -> bool:
    """Every interaction's lower-order interactions are in the model too."""
    inside = set(interactions)
    return all(sub in inside for t in inside if len(t) > 2 for sub in itertools.combinations(t, len(t) - 1))


def hierarchical_closure(interactions: Iterable[Term]) -> tuple[Term, ...]:
    out: set[Term] = set()
    for t in interactions:
        for order in range(2, len(t) + 1):
            out.update(itertools.combinations(sorted(t), order))
    return canonical(out)


def hierarchical_models(k: int, max_order: int = 2) -> Iterable[tuple[Term, ...]]:
    """Every hierarchical model with interactions up to `max_order` and no more parameters than cells."""
    pairs = all_pairs(k)
    limit = (1 << k) - 1 - 1 - k
    for r in range(min(len(pairs), limit) + 1):
        for chosen_pairs in itertools.combinations(pairs, r):
            if max_order < 3:
                yield chosen_pairs
                continue
            inside = set(chosen_pairs)
            triples = [t for t in itertools.combinations(range(k), 3)
                       if all(p in inside for p in itertools.combinations(t, 2))]
            for s in range(min(len(triples), limit - r) + 1):
                for chosen_triples in itertools.combinations(triples, s):
                    yield canonical(chosen_pairs + chosen_triples)


def design(k: int, interactions: Sequence[Term]) -> np.ndarray:
    """Design matrix over all 2**k cells (row = pattern): intercept, k main effects, interactions."""
    h = np.arange(1 << k)
    bits = ((h[:, None] >> np.arange(k)) & 1).astype(float)
    cols = [np.ones(1 << k), *bits.T, *(np.prod(bits[:, list(t)], axis=1) for t in interactions)]
    return np.column_stack(cols)


def term_name(lists: Sequence[str], term: Term) -> str:
    return ":".join(lists[i] for i in term)


def model_terms(lists: Sequence[str], interactions: Iterable[Term]) -> list[str]:
    return [*lists, *(term_name(lists, t) for t in interactions)]


def model_name(lists: Sequence[str], interactions: Iterable[Term]) -> str:
    """The interactions ("A:B + B:C"); every model also has one main effect per list."""
    inter = [term_name(lists, t) for t in interactions]
    return " + ".join(inter) if inter else "independence (no interactions)"


@dataclass(eq=False)  # fits are compared by identity
class Fit:
    """One log-linear model fitted to one capture table.

    status: `ok` (a finite estimate), `zero` (the model puts nobody outside the lists: a boundary
    estimate), `infinite` (the likelihood keeps growing with the unobserved count), `undetermined`
    (the data say nothing about the unobserved count under this model), `failed` (no convergence).
    """

    interactions: tuple[Term, ...]
    status: str
    observed: int
    deviance: float | None = None
    df: int = 0
    params: int = 0
    loglik: float | None = None
    unobserved: float | None = None
    se: float | None = None
    lower: float | None = None
    upper: float | None = None
    profile_mle: float | None = None
    notes: list[str] = field(default_factory=list)
    # kept for intervals, the bootstrap and stepwise p-values (not reported)
    fitted: np.ndarray | None = field(default=None, repr=False)  # all 2**k cells, cell 0 = unobserved
    _face: np.ndarray | None = field(default=None, repr=False)  # observed cells kept in the fit
    _beta: np.ndarray | None = field(default=None, repr=False)

    @property
    def estimate(self) -> float | None:
        return None if self.unobserved is None else self.observed + self.unobserved

    @property
    def has_estimate(self) -> bool:
        return self.status in ("ok", "zero")

    def aic(self) -> float | None:
        return None if self.loglik is None else -2 * self.loglik + 2 * self.params

    def bic(self) -> float | None:
        return None if self.loglik is None else -2 * self.loglik + self.params * math.log(max(self.observed, 2))

    def criterion(self, name: str) -> float:
        value = self.aic() if name == "aic" else self.bic()
        return math.inf if value is None or not self.has_estimate else value

    def gof_p(self) -> float | None:
        """Goodness of fit: the chance of a deviance this large if the model were right."""
        if self.deviance is None or self.df <= 0:
            return None
        return float(stats.chi2.sf(self.deviance, self.df))

    def as_dict(self, lists: Sequence[str]) -> dict[str, Any]:
        est = self.estimate
        return {
            "model": model_terms(lists, self.interactions),
            "name": model_name(lists, self.interactions),
            "status": self.status,
            "estimate": _r(est),
            "unobserved": _r(self.unobserved),
            "lower": _r(self.lower),
            "upper": _r(self.upper),
            "se": _r(self.se),
            "deviance": _r(self.deviance, 3),
            "df": self.df,
            "parameters": self.params,
            "aic": _r(self.aic(), 3),
            "bic": _r(self.bic(), 3),
            "fit_p": _r(self.gof_p(), 4),
            "notes": list(self.notes),
        }


def _r(x: float | None, digits: int = 1) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


def _deviance(y: np.ndarray, mu: np.ndarray) -> float:
    pos = y > 0
    return float(2 * (np.sum(y[pos] * np.log(y[pos] / mu[pos])) - np.sum(y - mu)))


def _loglik(y: np.ndarray, mu: np.ndarray) -> float:
    pos = y > 0
    lgam = np.array([math.lgamma(v + 1) for v in y])
    return float(np.sum(y[pos] * np.log(mu[pos])) - np.sum(mu) - np.sum(lgam))


def _irls(X: np.ndarray, y: np.ndarray, beta: np.ndarray | None = None,
          max_iter: int = 100, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray, bool]:
    """Poisson regression with log link by iteratively reweighted least squares.

    Uses minimum-norm least squares at each step, so a rank-deficient design still gives the
    unique fitted values (callers check that what they read from it is identified). A step that
    raises the deviance (a far-away start overshoots) is halved until it does not.
    """
    given = beta is not None
    if beta is None:
        beta = np.linalg.lstsq(X, np.log(y + 0.5), rcond=None)[0]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _irls_steps(X, y, beta, given, max_iter, tol)


def _irls_steps(X: np.ndarray, y: np.ndarray, beta: np.ndarray, given: bool,
                max_iter: int, tol: float) -> tuple[np.ndarray, np.ndarray, bool]:
    eta = X @ beta
    mu = np.exp(np.clip(eta, -700, 700))
    dev = _deviance(y, mu)
    if not math.isfinite(dev):
        return _irls(X, y, None, max_iter, tol) if given else (beta, mu, False)
    for _ in range(max_iter):
        z = eta + (y - mu) / mu
        w = np.sqrt(mu)
        step = np.linalg.lstsq(X * w[:, None], z * w, rcond=None)[0] - beta
        for _halving in range(40):
            new_beta = beta + step
            new_eta = X @ new_beta
            new_mu = np.exp(np.clip(new_eta, -700, 700))
            new_dev = _deviance(y, new_mu)
            if math.isfinite(new_dev) and new_dev <= dev + 1e-9 * (abs(dev) + 1):
                break
            step = step / 2
        else:
            return beta, mu, False
        converged = abs(new_dev - dev) <= tol * (abs(new_dev) + 0.1)
        beta, eta, mu, dev = new_beta, new_eta, new_mu, new_dev
        if converged:
            return beta, mu, True
    return beta, mu, False


def _linprog(c: np.ndarray, A_ub: np.ndarray | None, b_ub: np.ndarray | None,
             A_eq: np.ndarray | None, b_eq: np.ndarray | None) -> Any:
    p = len(c)
    return optimize.linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq,
                            bounds=[(None, None)] * p, method="highs")


def facial_set(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Which observed cells keep a positive fitted count at the (extended) maximum likelihood.

    A cell with count zero is driven to zero when some direction d in parameter space leaves
    every positive cell unchanged (x·d = 0) and lowers it (x·d < 0) without raising any other
    zero cell: along d the likelihood only grows. Each linear program finds such cells; they
    are then allowed to fall too and the search is repeated until none remains, which yields
    all of them (the directions of successive rounds add up). Returns the mask of kept cells
    and a direction that lowers every dropped cell (None when nothing is dropped).
    """
    keep = np.ones(len(y), dtype=bool)
    zero = y == 0
    if not zero.any():
        return keep, None
    pos = ~zero
    found = np.zeros(len(y), dtype=bool)
    direction = np.zeros(X.shape[1])
    while True:
        remaining = zero & ~found
        if not remaining.any():
            break
        Xr = X[remaining]
        A_ub = np.vstack([X[zero], -Xr])  # every zero cell may only fall; remaining ones by at most 1
        b_ub = np.concatenate([np.zeros(zero.sum()), np.ones(remaining.sum())])
        res = _linprog(Xr.sum(axis=0), A_ub, b_ub, X[pos] if pos.any() else None,
                       np.zeros(pos.sum()) if pos.any() else None)
        if res.status != 0 or -res.fun <= _LP_TOL:
            break
        d = res.x
        newly = remaining & (X @ d < -_LP_TOL)
        if not newly.any():
            break
        found |= newly
        direction += d
    keep = ~found
    return keep, (direction if found.any() else None)


def _in_row_space(A: np.ndarray, x: np.ndarray) -> bool:
    c = np.linalg.lstsq(A.T, x, rcond=None)[0]
    return bool(np.linalg.norm(A.T @ c - x) <= 1e-8 * max(1.0, float(np.linalg.norm(x))))


def _unobserved_limit(X_keep: np.ndarray, X_drop: np.ndarray, x0: np.ndarray) -> str:
    """When the unobserved cell is not fixed by the kept cells: does it go to 0, to infinity, or anywhere?

    The maximising sequences move along directions v with X_keep v = 0 and X_drop v < 0. If one
    of them leaves the unobserved cell alone, any value of it is as good as any other
    (`undetermined`); otherwise its sign is the same along all of them.
    """
    p = X_keep.shape[1]
    A_ub = X_drop if len(X_drop) else None
    b_ub = -np.ones(len(X_drop)) if len(X_drop) else None
    A_eq = np.vstack([X_keep, x0]) if len(X_keep) else x0[None, :]
    res = _linprog(np.zeros(p), A_ub, b_ub, A_eq, np.zeros(len(A_eq)))
    if res.status == 0:
        return "undetermined"
    res = _linprog(np.zeros(p), A_ub, b_ub, X_keep if len(X_keep) else None,
                   np.zeros(len(X_keep)) if len(X_keep) else None)
    if res.status != 0:  # cannot happen when cells were dropped for a reason; be safe
        return "undetermined"
    return "infinite" if float(x0 @ res.x) > 0 else "zero"


def fit_model(table: CaptureTable, interactions: Iterable[Term]) -> Fit:
    """Fit one model (main effects plus the given interactions) to a capture table."""
    inter = canonical(interactions)
    k = table.k
    X_all = design(k, inter)
    X, x0 = X_all[1:], X_all[0]
    y = np.asarray(table.counts[1:], dtype=float)
    n = table.observed
    fit = Fit(inter, "ok", n)
    keep = np.ones(len(y), dtype=bool)
    beta, mu, converged = _irls(X, y)
    # The linear program is only needed when an empty cell's fitted count heads for zero: when the
    # estimate exists, the iteration converges with every fitted count clearly positive.
    if (y == 0).any() and not (converged and mu[y == 0].min() > 1e-6):
        keep, _ = facial_set(X, y)
        if not keep.all():
            fit.notes.append(f"{int((~keep).sum())} empty combination(s) of lists are fitted as exactly zero "
                             "(some interaction is minus infinity)")
            if not keep.any():
                fit.status = "undetermined"
                return fit
            beta, mu, converged = _irls(X[keep], y[keep])
        elif not converged:  # the estimate exists after all: give the iteration more time
            beta, mu, converged = _irls(X, y, beta, max_iter=1000)
    Xk, yk = X[keep], y[keep]
    rank = int(np.linalg.matrix_rank(Xk))
    fit.params = rank
    fit.df = int(keep.sum()) - rank
    if not converged:
        fit.status = "failed"
        fit.notes.append("the fit did not converge")
        return fit
    fit.deviance = max(_deviance(yk, mu), 0.0)  # a saturated fit can come out at -1e-14
    fit.loglik = _loglik(yk, mu)
    fit._face, fit._beta = keep, beta
    fitted = np.zeros(1 << k)
    fitted[1:][keep] = mu
    fit.fitted = fitted
    if _in_row_space(Xk, x0):
        m0 = float(np.exp(x0 @ beta))
        if not math.isfinite(m0) or m0 > 1e15:
            fit.status = "infinite"
            fit.notes.append("the estimate of the unobserved count overflows")
            return fit
        fit.unobserved = m0
        fitted[0] = m0
        info = (Xk * mu[:, None]).T @ Xk
        var_eta0 = float(x0 @ np.linalg.pinv(info) @ x0)
        fit.se = math.sqrt(max(m0 + m0 * m0 * var_eta0, 0.0))
        return fit
    fit.status = _unobserved_limit(Xk, X[~keep], x0)
    if fit.status == "zero":
        fit.unobserved = 0.0
        fit.notes.append("the model puts nobody outside the lists: a boundary estimate, not a finding")
    elif fit.status == "infinite":
        fit.notes.append("the likelihood keeps growing with the unobserved count: no finite estimate")
    else:
        fit.notes.append("the observed overlaps do not determine the unobserved count under this model")
    return fit


# --- intervals -------------------------------------------------------------------------------


def profile_interval(table: CaptureTable, fit: Fit, level: float = 0.95,
                     max_ratio: float = 1000.0) -> None:
    """Set fit.lower / fit.upper from the profile likelihood of the total N.

    For a trial N the unobserved cell is given the count N - n and the model is refitted to the
    whole table; the multinomial log-likelihood is then
        log N! - log (N-n)! + sum over cells of count * log(fitted / N)
    (Cormack 1992; Rcapture's closedpCI). The interval holds the N whose log-likelihood is within
    chi2(1, level) / 2 of the maximum. If it does not close below `max_ratio` times the observed
    count, the upper bound is left empty and a note says so.
    """
    if fit.status != "ok" or fit._face is None or fit.unobserved is None:
        return
    n = table.observed
    X_all = design(table.k, fit.interactions)
    Xf = np.vstack([X_all[1:][fit._face], X_all[0]])
    yf = np.append(np.asarray(table.counts[1:], dtype=float)[fit._face], 0.0)
    state = {"beta": fit._beta}

    def loglik(N: float) -> float:
        n0 = max(N - n, 0.0)
        yf[-1] = n0
        beta, mu, converged = _irls(Xf, yf, state["beta"])
        if not converged:
            beta, mu, _ = _irls(Xf, yf)
        state["beta"] = beta
        pos = yf > 0
        return (math.lgamma(N + 1) - math.lgamma(n0 + 1)
                + float(np.sum(yf[pos] * np.log(mu[pos] / N))))

    # maximise over u = log(1 + N - n), which keeps the search scale-free
    u_hat = math.log1p(fit.unobserved)
    res = optimize.minimize_scalar(lambda u: -loglik(n + math.expm1(u)),
                                   bounds=(0.0, u_hat + 3.0), method="bounded",
                                   options={"xatol": 1e-6})
    u_max = float(res.x)
    l_max = -float(res.fun)
    if loglik(n) > l_max:
        u_max, l_max = 0.0, loglik(n)
    crit = l_max - stats.chi2.ppf(level, 1) / 2
    n_max = n + math.expm1(u_max)
    fit.profile_mle = n_max

    def g(N: float) -> float:
        return loglik(N) - crit

    fit.lower = float(n) if g(n) >= 0 else optimize.brentq(g, n, n_max, xtol=1e-3)
    cap = n + max_ratio * max(n, 1)
    hi = n_max
    step = max(fit.unobserved, 1.0)
    while True:
        nxt = min(hi + step, cap)
        if g(nxt) < 0:
            fit.upper = optimize.brentq(g, hi, nxt, xtol=1e-3)
            return
        if nxt >= cap:
            fit.upper = None
            fit.notes.append(f"the {level:.0%} interval has no upper bound below {max_ratio:g} times the "
                             "observed count: the data cannot rule out a much larger number")
            return
        hi, step = nxt, step * 2


# --- model selection -------------------------------------------------------------------------


@dataclass
class Search:
    fits: dict[tuple[Term, ...], Fit]
    chosen: Fit | None
    method: str  # bic | aic | stepwise | fixed
    description: str
    max_order: int = 2
    path: list[tuple[Term, ...]] = field(default_factory=list)


class _Fitter:
    """Fits models of one table once each."""

    def __init__(self, table: CaptureTable):
        self.table = table
        self.fits: dict[tuple[Term, ...], Fit] = {}

    def __call__(self, interactions: Iterable[Term]) -> Fit:
        key = canonical(interactions)
        if key not in self.fits:
            self.fits[key] = fit_model(self.table, key)
        return self.fits[key]


def _exhaustive(fitter: _Fitter, models: Iterable[tuple[Term, ...]], criterion: str) -> Fit | None:
    best: Fit | None = None
    for interactions in models:
        f = fitter(interactions)
        if f.has_estimate and (best is None or f.criterion(criterion) < best.criterion(criterion)):
            best = f
    return best


def _moves(k: int, max_order: int, interactions: tuple[Term, ...]) -> list[tuple[Term, ...]]:
    """Hierarchical models one interaction away: add a term whose lower-order terms are all in, or
    remove a term that no higher-order term contains."""
    inside = set(interactions)
    limit = (1 << k) - 1 - 1 - k
    out = []
    for t in candidate_terms(k, max_order):
        if t in inside:
            if not any(len(u) > len(t) and set(t) <= set(u) for u in inside):
                out.append(canonical(inside - {t}))
        elif len(inside) < limit and is_hierarchical(inside | {t}):
            out.append(canonical(inside | {t}))
    return out


def _greedy(fitter: _Fitter, k: int, max_order: int, criterion: str) -> Fit | None:
    """Add or remove one interaction at a time while the criterion improves."""
    current = fitter(())
    if not current.has_estimate:
        return None
    while True:
        options = [fitter(m) for m in _moves(k, max_order, current.interactions)]
        best = min(options, key=lambda f: f.criterion(criterion), default=None)
        if best is None or not best.criterion(criterion) < current.criterion(criterion) - 1e-9:
            return current
        current = best


def _stepwise(fitter: _Fitter, k: int, max_order: int, p_threshold: float,
              path: list[tuple[Term, ...]]) -> Fit | None:
    """Chan, Silverman & Vincent's stepwise fit (R package SparseMSE, `stepwisefit`).

    From the independence model, add one interaction at a time: for each candidate, compare the
    number of people on all of its lists with its expected value under the current model
    (one-sided Poisson p-value: more overlap than expected means the lists depend on each
    other); add the candidate with the smallest p-value if it is below the threshold and the
    enlarged model still has an estimate. Stop when none qualifies. Three-list terms are
    candidates only with max_order 3, and only once their pairs are in the model.
    """
    table = fitter.table
    current = fitter(())
    path.append(current.interactions)
    if not current.has_estimate:
        return None
    limit = (1 << k) - 1 - 1 - k
    while len(current.interactions) < limit:
        assert current.fitted is not None
        inside = set(current.interactions)
        scored = []
        for term in candidate_terms(k, max_order):
            if term in inside or not is_hierarchical(inside | {term}):
                continue
            mask = sum(1 << i for i in term)
            cells = [h for h in range(1, 1 << k) if h & mask == mask]
            observed = sum(table.counts[h] for h in cells)
            expected = float(sum(current.fitted[h] for h in cells))
            p = 1.0 if observed == 0 else float(stats.poisson.sf(observed - 1, expected))
            scored.append((p, term))
        for p, term in sorted(scored):
            if p >= p_threshold:
                return current
            candidate = fitter(inside | {term})
            if candidate.has_estimate:
                current = candidate
                path.append(current.interactions)
                break
        else:
            return current
    return current


def select_model(table: CaptureTable, method: str = "auto", p_threshold: float = DEFAULT_P_THRESHOLD,
                 interactions: Sequence[Term] | None = None, max_order: int = 2) -> Search:
    """Fit the candidate models and pick one. `interactions` fixes the model instead."""
    if max_order not in (2, 3):
        raise ValueError("interactions of two lists (max_order 2) or up to three lists (3)")
    fitter = _Fitter(table)
    k = table.k
    if interactions is not None:
        chosen = fitter(hierarchical_closure(interactions))
        fitter(())  # the independence model, for comparison
        return Search(fitter.fits, chosen if chosen.has_estimate else None, "fixed",
                      "the model was given, not selected", max_order)
    if method == "auto":
        method = "bic" if count_models(k, max_order) <= MAX_EXHAUSTIVE_MODELS else "stepwise"
    if method not in ("aic", "bic", "stepwise"):
        raise ValueError(f"unknown selection method {method!r}")
    what = "pairwise interactions" if max_order == 2 else "interactions of two and three lists"
    path: list[tuple[Term, ...]] = []
    if method == "stepwise":
        best = _stepwise(fitter, k, max_order, p_threshold, path)
        desc = (f"stepwise: {what} added while their Poisson p-value is below {p_threshold:g} "
                "(Chan, Silverman & Vincent 2021)")
    elif count_models(k, max_order) <= MAX_EXHAUSTIVE_MODELS:
        best = _exhaustive(fitter, hierarchical_models(k, max_order), method)
        desc = f"lowest {method.upper()} among all {len(fitter.fits)} hierarchical models with {what}"
    else:
        best = _greedy(fitter, k, max_order, method)
        desc = (f"lowest {method.upper()} found by adding and removing {what} one at a time "
                f"({len(fitter.fits)} models fitted; not every model was tried)")
    fitter(())
    return Search(fitter.fits, best, method, desc, max_order, path)


def count_models(k: int, max_order: int = 2) -> int:
    """How many hierarchical models an exhaustive search would fit (stops counting past the limit)."""
    n = 0
    for _ in hierarchical_models(k, max_order):
        n += 1
        if n > MAX_EXHAUSTIVE_MODELS:
            break
    return n


def parse_model(spec: str, lists: Sequence[str]) -> list[Term]:
    """'A:B, C:D' or 'A:B:C' (or 'independence') → interactions; raises ValueError naming a bad term.

    Lower-order terms implied by a three-list term are added (the models are hierarchical).
    """
    spec = spec.strip()
    if spec.lower() in ("", "independence", "main"):
        return []
    index = {name: i for i, name in enumerate(lists)}
    out: list[Term] = []
    for raw in spec.replace("+", ",").split(","):
        term = raw.strip()
        if not term or term in index:
            continue  # main effects are always in the model
        parts = [p.strip() for p in term.split(":")]
        if len(parts) not in (2, 3) or any(p not in index for p in parts) or len(set(parts)) != len(parts):
            raise ValueError(f"{term!r} is not an interaction of two or three lists among {', '.join(lists)}")
        out.append(tuple(sorted(index[p] for p in parts)))
    return list(hierarchical_closure(out))


# --- the whole estimate ------------------------------------------------------------------------


@dataclass
class Estimate:
    table: CaptureTable  # as given
    used: CaptureTable  # after dropping empty lists
    level: float
    search: Search | None
    alternatives: list[Fit]
    warnings: list[str]
    criterion: str
    max_order: int = 2
    bootstrap: dict[str, Any] | None = None

    @property
    def chosen(self) -> Fit | None:
        return self.search.chosen if self.search else None

    @property
    def estimate(self) -> float | None:
        return self.chosen.estimate if self.chosen else None

    def as_dict(self) -> dict[str, Any]:
        chosen = self.chosen
        lists = self.used.lists
        shown = [f for f in self.alternatives if f.estimate is not None]
        return {
            "lists": list(self.table.lists),
            "lists_used": list(lists),
            "list_sizes": self.table.list_sizes(),
            "observed": self.table.observed,
            "estimate": _r(chosen.estimate) if chosen else None,
            "unobserved": _r(chosen.unobserved) if chosen else None,
            "lower": _r(self.bootstrap["lower"] if self.bootstrap else chosen.lower) if chosen else None,
            "upper": _r(self.bootstrap["upper"] if self.bootstrap else chosen.upper) if chosen else None,
            "level": self.level,
            "interval": "profile likelihood" if not self.bootstrap else self.bootstrap["kind"],
            "se": _r(chosen.se) if chosen else None,
            "model": model_terms(lists, chosen.interactions) if chosen else None,
            "model_name": model_name(lists, chosen.interactions) if chosen else None,
            "selection": {"method": self.search.method if self.search else None,
                          "how": self.search.description if self.search else None,
                          "models_fitted": len(self.search.fits) if self.search else 0,
                          "max_order": self.max_order,
                          "ordered_by": self.criterion.upper()},
            "spread": ({"min": _r(min(f.estimate for f in shown if f.estimate is not None)),
                        "max": _r(max(f.estimate for f in shown if f.estimate is not None))}
                       if shown else None),
            "alternatives": [dict(f.as_dict(lists), chosen=f is chosen) for f in self.alternatives],
            "bootstrap": self.bootstrap,
            "warnings": list(self.warnings),
            "assumptions": list(ASSUMPTIONS),
            "capture_table": [{"pattern": dict(zip(self.table.lists, pattern, strict=True)), "count": count}
                              for pattern, count in self.table.rows()],
        }


def estimate(table: CaptureTable, method: str = "auto", *, level: float = 0.95,
             p_threshold: float = DEFAULT_P_THRESHOLD, model: Sequence[Term] | str | None = None,
             max_order: int = 2, alternatives: int = 10, bootstrap: int = 0,
             seed: int | None = None) -> Estimate:
    """Select a model, estimate the total with an interval, and say what could be wrong with it.

    `method`: auto (BIC over every hierarchical model when there are at most about a thousand,
    otherwise stepwise), bic, aic or stepwise. `max_order` 3 lets models include interactions of
    three lists. `model` fixes the model instead (interactions, or 'A:B, C:D' in the table's list
    names). `alternatives` is how many models the report shows beside the chosen one, each with
    its profile likelihood interval. `bootstrap` > 0 replaces the reported interval (the table of
    alternatives keeps the profile intervals) by a parametric bootstrap percentile interval with
    that many replicates, repeating the model selection in each so that it includes the
    uncertainty of the choice (seeded by `seed`).
    """
    if method not in METHODS:
        raise ValueError(f"unknown selection method {method!r}; one of {', '.join(METHODS)}")
    warnings: list[str] = []
    used = _usable(table, warnings)
    criterion = "aic" if method == "aic" else "bic"
    if used is None:
        return Estimate(table, table, level, None, [], warnings, criterion, max_order)
    fixed: tuple[Term, ...] | None = None
    if model is not None:  # named in the table's lists; empty lists may have been left out since
        terms = parse_model(model, table.lists) if isinstance(model, str) else list(model)
        fixed = hierarchical_closure(_reindex(terms, table.lists, used.lists))
    if fixed and max(len(t) for t in fixed) > max_order:
        max_order = 3
    _data_warnings(used, warnings)
    search = select_model(used, method, p_threshold, fixed, max_order)
    chosen = search.chosen
    fits = list(search.fits.values())
    unusable = [f for f in fits if not f.has_estimate]
    if unusable and fixed is None:
        warnings.append(f"{len(unusable)} of {len(fits)} models fitted have no finite estimate on these data "
                        "(empty overlaps make some interactions minus infinity or leave the unobserved count "
                        "undetermined); they were left out of the choice")
    ranked = sorted((f for f in fits if f.has_estimate), key=lambda f: f.criterion(criterion))
    if search.method == "stepwise":
        steps = [search.fits[key] for key in search.path]
        ranked = steps + [f for f in ranked if f not in steps]
    shown = ranked[:max(alternatives, 1)]
    for extra in (chosen, search.fits.get(())):
        if extra is not None and extra not in shown:
            shown.append(extra)
    if fixed is not None and chosen is None:
        shown.insert(0, search.fits[fixed])
    for f in shown:
        profile_interval(used, f, level)
    if chosen is None:
        if fixed is not None:
            f = search.fits[fixed]
            warnings.append(f"no finite estimate under the model given ({f.status}): " + "; ".join(f.notes))
        else:
            warnings.append("no model gives a finite estimate: the lists do not overlap enough")
    else:
        _result_warnings(used, chosen, shown, criterion, max_order, warnings)
    result = Estimate(table, used, level, search, shown, warnings, criterion, max_order)
    if bootstrap and chosen is not None and chosen.status == "ok":
        result.bootstrap = parametric_bootstrap(used, chosen, bootstrap, level, seed, method=search.method,
                                                p_threshold=p_threshold, max_order=max_order)
    return result


def _reindex(terms: Sequence[Term], old: Sequence[str], new: Sequence[str]) -> list[Term]:
    pos = {name: i for i, name in enumerate(new)}
    out = []
    for term in terms:
        missing = [old[i] for i in term if old[i] not in pos]
        if missing:
            raise ValueError(f"{term_name(old, term)}: list {missing[0]} has nobody on it and was left out")
        out.append(tuple(sorted(pos[old[i]] for i in term)))
    return out


def _usable(table: CaptureTable, warnings: list[str]) -> CaptureTable | None:
    sizes = table.list_sizes()
    empty = [name for name, size in sizes.items() if size == 0]
    if empty:
        warnings.append(f"list(s) with nobody on them were left out: {', '.join(empty)}")
    keep = [j for j, name in enumerate(table.lists) if sizes[name] > 0]
    if len(keep) < 2:
        warnings.append("at least two lists with people on them are needed: nothing can be estimated")
        return None
    return table.keep_lists(keep) if len(keep) < table.k else table


def _data_warnings(table: CaptureTable, warnings: list[str]) -> None:
    n = table.observed
    lists = table.lists
    for name, size in table.list_sizes().items():
        if size == n:
            warnings.append(f"everyone observed is on {name}: the other lists add nobody, so the data cannot "
                            "show who is missing from it")
    none, sparse = [], []
    for i, j in all_pairs(table.k):
        both = table.overlap(i, j)
        if both == 0:
            none.append(f"{lists[i]}/{lists[j]}")
        elif both < 5:
            sparse.append(f"{lists[i]}/{lists[j]} ({both})")
    if none:
        warnings.append("these lists have nobody in common: " + ", ".join(none)
                        + "; an estimate then leans entirely on the other overlaps, and with two lists "
                          "none exists")
    if sparse:
        warnings.append("very small overlaps, so the estimate is fragile: " + ", ".join(sparse))
    cells = (1 << table.k) - 1
    empty = sum(1 for c in table.counts[1:] if c == 0)
    if table.k >= 3 and empty > cells / 2:
        warnings.append(f"{empty} of {cells} combinations of lists are empty: the data are sparse")
    if n < 50:
        warnings.append(f"only {n} people observed: intervals are wide and approximate")


def _result_warnings(table: CaptureTable, chosen: Fit, shown: list[Fit], criterion: str, max_order: int,
                     warnings: list[str]) -> None:
    n = table.observed
    if chosen.status == "zero":
        warnings.append("the chosen model puts nobody outside the lists (a boundary estimate); "
                        "that is a property of the model on sparse data, not evidence that nobody is missing")
    if chosen.unobserved is not None and chosen.unobserved > IMPLAUSIBLE_RATIO * n:
        warnings.append(f"the chosen model puts more than {IMPLAUSIBLE_RATIO:g} unseen people for every seen one: "
                        "such an estimate is usually an artefact of sparse overlaps; do not publish it")
    if chosen.status == "ok" and chosen.upper is None:
        warnings.append("the interval has no finite upper bound: the data cannot rule out a much larger number")
    p = chosen.gof_p()
    if p is not None and p < 0.05:
        warnings.append(f"the chosen model fits the observed overlaps poorly (deviance {chosen.deviance:.1f} on "
                        f"{chosen.df} df, p = {p:.3g}): the lists depend on each other in ways it does not describe"
                        + ("; try interactions of three lists (--max-order 3) or strata (--by)"
                           if max_order == 2 and table.k >= 4 else ""))
    if chosen.df == 0 and table.k >= 3:
        warnings.append("the chosen model has as many parameters as observed cells: its fit cannot be checked")
    best = chosen.criterion(criterion)
    close = [f for f in shown if f.has_estimate and f.estimate is not None
             and f.criterion(criterion) - best <= 2.0]
    if len(close) > 1:
        low = min(f.estimate for f in close if f.estimate is not None)
        high = max(f.estimate for f in close if f.estimate is not None)
        if high > 1.1 * low:
            warnings.append(f"{len(close)} models fit about equally well ({criterion.upper()} within 2) and give "
                            f"totals from {low:,.0f} to {high:,.0f}: the choice of model matters")


# --- parametric bootstrap ----------------------------------------------------------------------


def parametric_bootstrap(table: CaptureTable, chosen: Fit, replicates: int, level: float = 0.95,
                         seed: int | None = None, *, method: str = "bic",
                         p_threshold: float = DEFAULT_P_THRESHOLD, max_order: int = 2) -> dict[str, Any]:
    """Percentile interval from tables simulated under the chosen fit, re-selecting the model each time.

    Each replicate draws round(N) people into the 2**k cells with the fitted probabilities, hides
    the unobserved cell, and estimates again with the same selection method (a fixed model stays
    fixed). Replicates without a finite estimate count as infinitely large, so they widen the
    upper bound instead of being ignored.
    """
    assert chosen.fitted is not None and chosen.estimate is not None
    rng = np.random.default_rng(seed)
    probs = chosen.fitted / chosen.fitted.sum()
    size = round(chosen.estimate)
    values: list[float] = []
    failed = 0
    for _ in range(replicates):
        cells = rng.multinomial(size, probs)
        cells[0] = 0
        sim = CaptureTable(table.lists, tuple(int(c) for c in cells))
        value = _estimate_quietly(sim, method, p_threshold, chosen.interactions, max_order)
        if value is None:
            failed += 1
            values.append(math.inf)
        else:
            values.append(value)
    arr = np.sort(np.array(values))
    alpha = (1 - level) / 2
    lower = float(np.quantile(arr, alpha)) if replicates else None
    upper = float(np.quantile(arr, 1 - alpha)) if replicates else None
    return {"kind": "parametric bootstrap" + (" with model reselection" if method != "fixed" else ""),
            "replicates": replicates, "seed": seed, "without_estimate": failed,
            "lower": lower if lower is not None and math.isfinite(lower) else None,
            "upper": upper if upper is not None and math.isfinite(upper) else None,
            "median": _r(float(np.median(arr))) if replicates else None}


def _estimate_quietly(table: CaptureTable, method: str, p_threshold: float,
                      fixed: tuple[Term, ...], max_order: int) -> float | None:
    sizes = table.list_sizes()
    if any(v == 0 for v in sizes.values()):
        return None
    search = select_model(table, method, p_threshold, fixed if method == "fixed" else None, max_order)
    return search.chosen.estimate if search.chosen else None


