"""Errors of the QTI response-processing interpreter, named by what the caller does next.

    UnsupportedQuestionError (grading.errors)  the question cannot be graded here
    └── QtiItemError                           base; never raised itself: fix the item
        ├── QtiUnsupportedError                valid QTI this engine refuses on purpose
        │                                      (customOperator, PCI, vendor extensions)
        ├── QtiInvalidItemError                the item's declarations or processing are not
        │                                      valid QTI (unknown variable, bad value, wrong
        │                                      operand count): found when compiling
        └── QtiRuntimeError                    an operator met a value of the wrong type
                                               while running (an item bug the static checks
                                               cannot see)

Response problems are ``grading.errors.InvalidResponseError``. Messages name elements and
variables, never correct responses or mapped values: they may reach a student. The importer
(``authoring.qti``) re-raises these as its own ``QtiUnsupportedError`` / ``QtiSyntaxError``.
"""

from __future__ import annotations

from assessment_engine.grading.errors import UnsupportedQuestionError


class QtiItemError(UnsupportedQuestionError):
    """Base of every item-level problem of the QTI interpreter."""


class QtiUnsupportedError(QtiItemError):
    """customOperator, portable custom interactions and vendor extensions."""


class QtiInvalidItemError(QtiItemError):
    """The item's declarations or response processing are not valid QTI."""


class QtiRuntimeError(QtiItemError):
    """An operator received a value it cannot take (wrong base type or cardinality)."""
