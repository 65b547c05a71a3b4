"""SymPy's side of DerivativeSizeTest: operation counts and exact values of nested derivatives.

Run with SymPy 1.14 (python3 derivatives.py, in this directory). It writes
  derivatives-sympy.txt  count_ops of diff(f, x, n), of simplify() of it, and of n nested
                         diff(., x) calls (as Nabla forms them: one derivative of the last);
  derivatives-exact.txt  d^n f at random points (dyadic rationals, exact in f64), to 25 digits.
count_ops counts the operations of SymPy's expression tree, without sharing; Nabla's graphs
share common subexpressions, and their node counts also include inputs and constants.
"""
import random
import sympy as sp

x, y = sp.symbols("x y")

# name, f, orders, range of the sample points; the names match DerivativeSizeTest's.
SERIES = [
    ("tanh", sp.tanh(x), 12, (-2, 2)),
    ("x*sin(x^2)", x * sp.sin(x**2), 8, (-1.5, 1.5)),
    ("sin(x)*x^2", sp.sin(x) * x**2, 8, (-3, 3)),
    ("x^5", x**5, 5, (-2, 2)),
    ("sigmoid", 1 / (1 + sp.exp(-x)), 8, (-3, 3)),
    ("exp(sin(x))", sp.exp(sp.sin(x)), 8, (-3, 3)),
    ("log(1+x^2)", sp.log(1 + x**2), 6, (-2, 2)),
    ("x^3*exp(-x)", x**3 * sp.exp(-x), 8, (-1, 3)),
    ("tan", sp.tan(x), 8, (-1.2, 1.2)),
    ("sin(cos(x))", sp.sin(sp.cos(x)), 7, (-3, 3)),
]
# The seed tutorial's polynomial and the variables of each derivative.
SEED = x**2 * y + 3 * x * y**5 + x**3
SEED_DERIVATIVES = [("seed d/dx", (x,)), ("seed d/dy", (y,)), ("seed d2/dx2", (x, x)),
                    ("seed d2/dxdy", (x, y)), ("seed d2/dy2", (y, y))]
POINTS = 12


def points(rnd, lo, hi):
    # Multiples of 2^-10: the same number in SymPy and in f64.
    return [sp.Rational(round(rnd.uniform(lo, hi) * 1024), 1024) for _ in range(POINTS)]


def main():
    rnd = random.Random(20251202)
    with open("derivatives-sympy.txt", "w") as ops, open("derivatives-exact.txt", "w") as values:
        ops.write("# series order count_ops(diff(f,x,n)) count_ops(simplify(...)) count_ops(n nested diffs)\n")
        values.write("# series order x y d^n f (25 digits)\n")
        for name, f, orders, (lo, hi) in SERIES:
            xs = points(rnd, lo, hi)
            nested = f
            for n in range(1, orders + 1):
                d = sp.diff(f, x, n)
                nested = sp.diff(nested, x)
                ops.write(f"{name}\t{n}\t{sp.count_ops(d)}\t{sp.count_ops(sp.simplify(d))}\t{sp.count_ops(nested)}\n")
                for p in xs:
                    values.write(f"{name}\t{n}\t{float(p)!r}\t0.0\t{sp.N(d.subs(x, p), 25)}\n")
                ops.flush()
        xs = points(rnd, -1.5, 1.5)
        ys = points(rnd, -1.5, 1.5)
        for name, wrt in SEED_DERIVATIVES:
            d = sp.diff(SEED, *wrt)
            ops.write(f"{name}\t{len(wrt)}\t{sp.count_ops(d)}\t{sp.count_ops(sp.simplify(d))}\t{sp.count_ops(d)}\n")
            for p, q in zip(xs, ys):
                values.write(f"{name}\t{len(wrt)}\t{float(p)!r}\t{float(q)!r}\t{sp.N(d.subs({x: p, y: q}), 25)}\n")


if __name__ == "__main__":
    main()
