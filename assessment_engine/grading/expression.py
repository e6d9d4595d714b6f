"""Safe arithmetic expressions for formula questions: a whitelisted parse and numeric evaluation.

Student input is never passed to ``eval`` or ``sympy.parse_expr`` (which calls ``eval``).
Instead the text is parsed by ``ast.parse(mode="eval")`` and converted into a small tree of
:class:`Node` tuples allowing only: numeric literals, declared variable names, the constants
``pi`` and ``e`` (a declared variable of the same name wins), ``+ - * / **`` (``^`` is read as
``**``, as on Open edX), unary ``+``/``-``, and one-argument calls of ``sin cos tan asin acos
atan sqrt exp log ln abs`` (``log`` = ``ln`` = natural log). Limits: ``MAX_CHARS`` of text,
``MAX_NODES`` nodes, ``MAX_DEPTH`` nesting, literal exponents of at most ``MAX_EXPONENT`` in
magnitude. Evaluation uses complex floats (``cmath``) so ``sqrt(-1)`` is defined as on Open
edX; overflow, division by zero and domain errors make a point "undefined".

Used by ``formula`` (sampling) and ``formula_symbolic`` (conversion to sympy).
"""

from __future__ import annotations

import ast
import cmath
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

MAX_CHARS = 500
MAX_NODES = 200
MAX_DEPTH = 32
MAX_EXPONENT = 1000.0

FUNCTIONS: dict[str, Callable[[complex], complex]] = {
    "sin": cmath.sin,
    "cos": cmath.cos,
    "tan": cmath.tan,
    "asin": cmath.asin,
    "acos": cmath.acos,
    "atan": cmath.atan,
    "sqrt": cmath.sqrt,
    "exp": cmath.exp,
    "log": cmath.log,
    "ln": cmath.log,
    "abs": lambda z: complex(abs(z)),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
BINARY_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


@dataclass(frozen=True, slots=True)
class Num:
    value: float


@dataclass(frozen=True, slots=True)
class Var:
    name: str


@dataclass(frozen=True, slots=True)
class Const:
    name: str


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node


@dataclass(frozen=True, slots=True)
class Bin:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    arg: Node


Node = Num | Var | Const | Neg | Bin | Call


class ExpressionError(ValueError):
    """The text is not an allowed expression (message is safe to show the student)."""


class _Converter:
    def __init__(self, names: Mapping[str, str], fold_case: bool) -> None:
        self.names = names
        self.fold_case = fold_case
        self.count = 0

    def convert(self, node: ast.AST, depth: int) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise ExpressionError(f"expression has more than {MAX_NODES} parts")
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ExpressionError("only real numbers are allowed as literals")
            try:
                number = float(value)
            except OverflowError as exc:
                raise ExpressionError("number out of range") from exc
            if not math.isfinite(number):
                raise ExpressionError("number out of range")
            return Num(number)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.convert(node.operand, depth + 1)
            return Neg(operand) if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY_OPS:
            op = BINARY_OPS[type(node.op)]
            left = self.convert(node.left, depth + 1)
            right = self.convert(node.right, depth + 1)
            exponent = literal_value(right) if op == "**" else None
            if exponent is not None and abs(exponent) > MAX_EXPONENT:
                raise ExpressionError(f"exponents are limited to {MAX_EXPONENT:g}")
            return Bin(op, left, right)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise ExpressionError("only numbers, variables, + - * / ^ and functions are allowed")

    def name(self, raw: str) -> Node:
        key = raw.lower() if self.fold_case else raw
        if key in self.names:
            return Var(self.names[key])
        if key in CONSTANTS:
            return Const(key)
        raise ExpressionError(f"unknown name {raw[:40]!r}")

    def call(self, node: ast.Call, depth: int) -> Node:
        func = node.func
        if not isinstance(func, ast.Name):
            raise ExpressionError("only named functions may be called")
        name = func.id.lower() if self.fold_case else func.id
        if name not in FUNCTIONS:
            raise ExpressionError(f"unknown function {func.id[:40]!r}")
        if len(node.args) != 1 or node.keywords:
            raise ExpressionError(f"{name} takes exactly one argument")
        return Call(name, self.convert(node.args[0], depth + 1))


def literal_value(node: Node) -> float | None:
    """The value of a (possibly negated) numeric literal, else None."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Neg):
        inner = literal_value(node.operand)
        return None if inner is None else -inner
    return None


def parse_expression(text: str, variables: Mapping[str, object], *, case_insensitive: bool) -> Node:
    """Parse ``text`` into a whitelisted tree; raises ``ExpressionError`` on anything else."""
    if len(text) > MAX_CHARS:
        raise ExpressionError(f"expression longer than {MAX_CHARS} characters")
    if not text.strip():
        raise ExpressionError("empty expression")
    names = {(name.lower() if case_insensitive else name): name for name in variables}
    try:
        tree = ast.parse(text.replace("^", "**").strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError("could not parse the expression") from exc
    return _Converter(names, case_insensitive).convert(tree.body, 0)


def _power(base: complex, exponent: complex) -> complex:
    if base.imag == 0.0 and exponent.imag == 0.0:
        b, x = base.real, exponent.real
        if b >= 0.0 or x.is_integer():
            return complex(b**x)
    return base**exponent


def _apply(op: str, left: complex, right: complex) -> complex:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        return left / right
    return _power(left, right)


def evaluate(node: Node, env: Mapping[str, float]) -> complex:
    """Evaluate a parsed tree; raises ``ArithmeticError``/``ValueError`` where undefined."""
    match node:
        case Num(value):
            return complex(value)
        case Var(name):
            return complex(env[name])
        case Const(name):
            return complex(CONSTANTS[name])
        case Neg(operand):
            return _principal(-evaluate(operand, env))
        case Bin(op, left, right):
            return _principal(_apply(op, evaluate(left, env), evaluate(right, env)))
        case Call(func, arg):
            return _principal(FUNCTIONS[func](evaluate(arg, env)))
    raise TypeError(node)


def _principal(value: complex) -> complex:
    """Drop a negative zero imaginary part, so ``sqrt(-4)`` is ``2j`` (sympy's branch)."""
    if value.imag == 0.0:
        return complex(value.real, 0.0)
    return value


def count_nodes(node: Node) -> int:
    """Number of nodes in a tree."""
    match node:
        case Neg(operand) | Call(_, operand):
            return 1 + count_nodes(operand)
        case Bin(_, left, right):
            return 1 + count_nodes(left) + count_nodes(right)
    return 1
