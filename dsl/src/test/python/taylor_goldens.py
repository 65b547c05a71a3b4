"""Exact derivatives of order 0 to 30 from SymPy, the goldens for dev.nabla.TaylorModeTest.

Regenerate with SymPy (1.14 made the committed file):
    python3 dsl/src/test/python/taylor_goldens.py > dsl/src/test/resources/goldens/taylor.txt

Each function is differentiated symbolically, order after order, and every derivative is
expanded (so that it stays a sum of few distinct terms), evaluated at each point with 40
significant digits, then printed rounded to 25 (far beyond float64, so the only error the test
sees is Nabla's). The two-variable seed polynomial of the
tutorial, z = x^2 y + 3 x y^5 + x^3, is differentiated in each variable with the other held.
Output: a comment line, then one line per value: name;point;order;value.
"""
import sympy as sp

ORDER = 30
DIGITS = 40

x, y = sp.symbols("x y")
SEED = x**2 * y + 3 * x * y**5 + x**3
POINTS = [sp.Rational(1, 2), sp.Rational(-5, 4), sp.Integer(2)]

# name -> (expression, variable, substitutions of the other variables, points)
FUNCTIONS = {
    "tanh": (sp.tanh(x), x, {}, POINTS),
    "sin*x^2": (sp.sin(x) * x**2, x, {}, POINTS),
    "exp(sin)": (sp.exp(sp.sin(x)), x, {}, POINTS),
    "x^5": (x**5, x, {}, [sp.Integer(2), sp.Rational(-3, 4)]),
    "seed dx (y=1)": (SEED, x, {y: sp.Integer(1)}, [sp.Integer(1), sp.Rational(-3, 2)]),
    "seed dy (x=1)": (SEED, y, {x: sp.Integer(1)}, [sp.Integer(1), sp.Rational(-3, 2)]),
}


def main():
    print(f"# sympy {sp.__version__}: name;point;order;value (derivatives of order 0..{ORDER})")
    for name, (expr, var, held, points) in FUNCTIONS.items():
        d = expr.subs(held)
        for order in range(ORDER + 1):
            for p in points:
                value = sp.N(d.subs(var, p), DIGITS)
                print(f"{name};{float(p)!r};{order};{sp.N(value, 25)}")
            d = sp.expand(sp.diff(d, var))


if __name__ == "__main__":
    main()
