"""Errors raised while importing questions, named by what the author should do next.

Importers (`gift`, `qti`, `bank`, `detect`) raise only these; the CLI and the API translate them
at the edge (exit code 2, HTTP 422)::

    AuthoringError                  base; never raised itself
    ├── GiftSyntaxError             one malformed GIFT question: fix the text at line/column
    │   └── GiftDocumentError       several malformed questions in one document (``.errors``)
    ├── QtiError                    base of QTI problems
    │   ├── QtiSyntaxError          malformed or forbidden XML (DTDs, entities), or no QTI item
    │   │   └── QtiPackageError     a content package that is unsafe or broken (bad member
    │   │                           names, symlinks, size limits, missing files)
    │   └── QtiUnsupportedError     valid QTI our question model cannot express faithfully
    ├── BankError                   a JSON question bank that is not valid JSON or fails the model
    └── UnknownFormatError          content is neither GIFT, QTI nor a JSON bank

Authoring errors are shown to authors, not students; they may quote question text.
"""

from __future__ import annotations


class AuthoringError(ValueError):
    """Base class of every import error."""


class GiftSyntaxError(AuthoringError):
    """A GIFT question that cannot be imported, with its 1-based position in the document."""

    def __init__(self, message: str, *, line: int, column: int, title: str | None = None) -> None:
        self.message = message
        self.line = line
        self.column = column
        self.title = title
        where = f"line {line}, column {column}"
        if title:
            where += f" (question {title!r})"
        super().__init__(f"{where}: {message}")


class GiftDocumentError(GiftSyntaxError):
    """Every error of a document with more than one malformed question, in document order."""

    def __init__(self, errors: list[GiftSyntaxError]) -> None:
        if not errors:
            raise ValueError("GiftDocumentError needs at least one error")
        self.errors = tuple(errors)
        first = errors[0]
        shown = "\n".join(f"  {e}" for e in errors[:50])
        more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(
            f"{len(errors)} malformed questions:\n{shown}{more}",
            line=first.line,
            column=first.column,
            title=first.title,
        )


class QtiError(AuthoringError):
    """Base class of QTI import errors."""


class QtiSyntaxError(QtiError):
    """The XML is not well-formed, uses forbidden constructs, or is not a QTI item."""


class QtiPackageError(QtiSyntaxError):
    """A content package that cannot be read safely: fix or re-export the package."""


class QtiUnsupportedError(QtiError):
    """Valid QTI this platform refuses on purpose: customOperator, portable custom interactions,
    file responses, template processing, unknown templates (vendor extensions)."""


class BankError(AuthoringError):
    """A JSON question bank that is not valid JSON or whose questions fail the model."""


class UnknownFormatError(AuthoringError):
    """Content that is neither GIFT, QTI XML nor a JSON question bank."""
