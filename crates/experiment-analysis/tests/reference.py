"""Reference values for tests/stats.rs, computed with scipy.

Run with the pinned versions (Python 3.11, scipy 1.15.3, numpy 2.2.6):

    python3 -m venv $HOME/.cache/tessera/scipy-venv
    $HOME/.cache/tessera/scipy-venv/bin/pip install scipy==1.15.3 numpy==2.2.6
    $HOME/.cache/tessera/scipy-venv/bin/python crates/experiment-analysis/tests/reference.py

Each printed line is a fixture and the values the Rust tests hard-code (repr, i.e. the
shortest string that round-trips the float). The tests name the call that produced each.
"""

import numpy as np
import scipy
from scipy import stats

print(f"# scipy {scipy.__version__}, numpy {np.__version__}")


def z_test(successes_a, trials_a, successes_b, trials_b):
    """Two-proportion z-test, pooled standard error, z = (p_b - p_a) / se."""
    p_a = successes_a / trials_a
    p_b = successes_b / trials_b
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    se = np.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    z = (p_b - p_a) / se
    p = 2 * stats.norm.sf(abs(z))
    return float(z), float(p)


print("## two_proportion_z_test: z, p = 2 * stats.norm.sf(abs(z))")
for case in [
    (480, 1000, 520, 1000),
    (1200, 10000, 1320, 10000),
    (45, 300, 30, 310),
    (5, 20, 200, 400),
    (100, 10000, 400, 10000),
]:
    z, p = z_test(*case)
    print(f"z_test{case}: z={z!r} p={p!r}")

print("## chi_square_independence: stats.chi2_contingency(table, correction=False)")
for table in [
    [[480, 520], [520, 480]],
    [[120, 380], [150, 350], [90, 410]],
    [[1200, 8800], [1320, 8680], [1250, 8750], [1100, 8900]],
    [[10, 990], [100, 900]],
]:
    result = stats.chi2_contingency(table, correction=False)
    print(f"chi2{table}: statistic={float(result.statistic)!r} dof={result.dof} p={float(result.pvalue)!r}")


def srm(observed, weights):
    total = sum(observed)
    expected = [total * w / sum(weights) for w in weights]
    return stats.chisquare(observed, f_exp=expected)


print("## sample_ratio_mismatch: stats.chisquare(observed, f_exp=total * w / sum(w))")
for observed, weights in [
    ([5200, 4800], [50, 50]),
    ([5050, 4950], [50, 50]),
    ([6000, 4000], [50, 50]),
    ([52, 48], [50, 50]),
    ([5160, 4840], [50, 50]),
    ([5170, 4830], [50, 50]),
    ([5010, 2490, 2500], [50, 25, 25]),
    ([3300, 6700], [1, 2]),
    ([3400, 3300, 3300, 10], [25, 25, 25, 25]),
]:
    result = srm(observed, weights)
    print(
        f"srm{observed} w={weights}: statistic={float(result.statistic)!r} "
        f"p={float(result.pvalue)!r} mismatch={bool(result.pvalue < 0.001)}"
    )

print("## median: np.median(values)")
for values in [[5, 1, 3], [4, 1, 3, 2], [1200, 800, 15000, 950, 1100, 700], [7]]:
    print(f"median{values}: {float(np.median(values))!r}")

# Consistency: for two groups the z-test and the 2x2 chi-square are the same test (z^2 = X^2).
z, _ = z_test(480, 1000, 520, 1000)
chi = stats.chi2_contingency([[480, 520], [520, 480]], correction=False).statistic
print(f"## z^2 = chi2 for 2x2: {z * z!r} {float(chi)!r}")
