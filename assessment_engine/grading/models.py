"""Question, response and grade models: the contract every grader and importer shares.

Importers (`assessment_engine.authoring`) build these models; `assessment_engine.grading.grade`
consumes them; the API stores them as JSON; the Lambda function receives them in its event.
Every question carries a ``key_version`` (bumped on an answer-key fix) so that a result
always names the key it was graded against.

Fractions follow Moodle: an answer's ``fraction`` is a float in [-1, 1] (1.0 = 100%), and a
question's score is ``fraction * points``. ``QtiQuestion`` keeps a QTI item's own declarations
and response processing instead (``grading.qti`` interprets them).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TextFormat = Literal["moodle", "html", "plain", "markdown"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionBase(_Model):
    """Fields every question type has."""

    id: str = Field(description="Stable identifier within a question bank (GIFT: title or index).")
    title: str | None = None
    text: str = Field(description="Stem shown to the student (key material never appears here).")
    text_format: TextFormat = "moodle"
    general_feedback: str = ""
    points: float = Field(default=1.0, ge=0, description="Maximum score of this question.")
    key_version: int = Field(default=1, ge=1, description="Bumped on every answer-key fix.")
    category: str | None = None
    tags: tuple[str, ...] = ()


class Choice(_Model):
    text: str
    fraction: float = Field(ge=-1.0, le=1.0)
    feedback: str = ""


class MultipleChoiceQuestion(QuestionBase):
    type: Literal["multichoice"] = "multichoice"
    single: bool = Field(description="True: radio buttons, one answer. False: checkboxes.")
    choices: tuple[Choice, ...] = Field(min_length=2)
    shuffle: bool = True


class TrueFalseQuestion(QuestionBase):
    type: Literal["truefalse"] = "truefalse"
    answer: bool
    feedback_if_wrong: str = ""
    feedback_if_right: str = ""


class TextAnswer(_Model):
    pattern: str = Field(description="Moodle short-answer pattern: `*` wildcard, `\\*` literal.")
    fraction: float = Field(ge=0.0, le=1.0)
    feedback: str = ""


class ShortAnswerQuestion(QuestionBase):
    type: Literal["shortanswer"] = "shortanswer"
    answers: tuple[TextAnswer, ...] = Field(min_length=1)
    case_sensitive: bool = False


ToleranceType = Literal["absolute", "relative", "nominal", "geometric"]


class NumericalAnswer(_Model):
    """One accepted numerical answer. ``value=None`` is Moodle's ``*`` (matches anything)."""

    value: float | None
    tolerance: float = Field(default=0.0, ge=0.0)
    tolerance_type: ToleranceType = "absolute"
    fraction: float = Field(ge=0.0, le=1.0)
    feedback: str = ""


class Unit(_Model):
    name: str
    multiplier: float = Field(default=1.0, gt=0, description="value_in_base = value / multiplier")


class NumericalQuestion(QuestionBase):
    type: Literal["numerical"] = "numerical"
    answers: tuple[NumericalAnswer, ...] = Field(min_length=1)
    units: tuple[Unit, ...] = ()
    unit_handling: Literal["none", "optional", "required"] = "none"
    unit_penalty: float = Field(default=0.1, ge=0.0, le=1.0)
    unit_penalty_mode: Literal["response", "question"] = Field(
        default="response",
        description="Moodle's 'fraction of response grade' vs 'fraction of question grade'.",
    )


class MatchPair(_Model):
    left: str
    right: str


class MatchingQuestion(QuestionBase):
    type: Literal["matching"] = "matching"
    pairs: tuple[MatchPair, ...] = Field(min_length=2)
    distractors: tuple[str, ...] = Field(default=(), description="Extra right-side choices.")
    shuffle: bool = True


OrderingGrading = Literal[
    "all_or_nothing",
    "absolute_position",
    "relative_next_exclude_last",
    "relative_next_include_last",
    "relative_one_previous_and_next",
    "relative_all_previous_and_next",
    "longest_ordered_subset",
    "longest_contiguous_subset",
]


class OrderingQuestion(QuestionBase):
    type: Literal["ordering"] = "ordering"
    items: tuple[str, ...] = Field(min_length=2, description="Items in the correct order.")
    grading: OrderingGrading = "absolute_position"


ClozeSub = Annotated[
    MultipleChoiceQuestion | ShortAnswerQuestion | NumericalQuestion,
    Field(discriminator="type"),
]


class ClozeBlank(_Model):
    weight: float = Field(default=1.0, gt=0, description="Relative weight of this blank.")
    question: ClozeSub


class ClozeQuestion(QuestionBase):
    """Multi-blank question; blank *n* (1-based) appears in ``text`` as ``{#n}``."""

    type: Literal["cloze"] = "cloze"
    blanks: tuple[ClozeBlank, ...] = Field(min_length=1)


class VariableRange(_Model):
    low: float
    high: float


class FormulaQuestion(QuestionBase):
    type: Literal["formula"] = "formula"
    expected: str = Field(description="Reference expression, e.g. 'R1*R2/(R1+R2)'.")
    variables: dict[str, VariableRange] = Field(default_factory=dict)
    method: Literal["symbolic", "sampling"] = "sampling"
    samples: int = Field(default=20, ge=1, le=1000)
    tolerance: float = Field(
        default=1e-5, ge=0.0, description="Relative tolerance (edX: '0.001%')."
    )
    case_insensitive: bool = False
    timeout_ms: int = Field(default=500, ge=1, le=10_000)
    seed: int = 0


class EssayQuestion(QuestionBase):
    type: Literal["essay"] = "essay"
    response_format: Literal["editor", "plain", "monospaced"] = "editor"
    min_words: int | None = None
    max_words: int | None = None
    grader_info: str = Field(default="", description="Marking guidance for graders: key material.")


class DescriptionQuestion(QuestionBase):
    type: Literal["description"] = "description"
    points: float = 0.0


class CodeTestCase(_Model):
    name: str
    stdin: str = ""
    expected_stdout: str | None = None
    call: str | None = Field(default=None, description="Function call expression, e.g. 'f(2, 3)'.")
    expected_value: Any = None
    weight: float = Field(default=1.0, ge=0.0)
    hidden: bool = False
    compare: Literal["exact", "strip", "whitespace", "float"] = "strip"
    float_tolerance: float = 1e-6


class CodeLimits(_Model):
    cpu_seconds: float = Field(default=2.0, gt=0, le=60)
    wall_seconds: float = Field(default=5.0, gt=0, le=120)
    memory_mb: int = Field(default=256, ge=16, le=4096)
    output_bytes: int = Field(default=65_536, ge=1024, le=10_000_000)
    processes: int = Field(default=1, ge=1, le=64)


class CodeQuestion(QuestionBase):
    type: Literal["code"] = "code"
    language: Literal["python3"] = "python3"
    tests: tuple[CodeTestCase, ...] = Field(min_length=1)
    limits: CodeLimits = CodeLimits()
    starter_code: str = ""


QtiInteractionKind = Literal[
    "choice",
    "inlineChoice",
    "textEntry",
    "extendedText",
    "order",
    "match",
    "associate",
    "gapMatch",
    "hottext",
    "hotspot",
    "selectPoint",
    "positionObject",
    "graphicOrder",
    "graphicAssociate",
    "graphicGapMatch",
    "slider",
    "media",
    "endAttempt",
    "upload",
    "drawing",
]


class QtiChoice(_Model):
    """One choice of a QTI interaction as the student sees it (no key material)."""

    identifier: str
    text: str = Field(default="", description="HTML of the choice (or hotspot label).")
    fixed: bool = Field(default=False, description="Keeps its place when choices shuffle.")
    match_max: int | None = Field(default=None, description="Associable choices: max uses.")
    match_min: int | None = None
    shape: str | None = Field(default=None, description="Hotspots: rect, circle, poly, ...")
    coords: str | None = Field(default=None, description="Hotspots: HTML image-map coords.")
    image: str | None = Field(default=None, description="gapImg: the image's data URI/href.")


class QtiImage(_Model):
    """The object (image) of a graphic interaction."""

    data: str
    type: str = ""
    width: int | None = None
    height: int | None = None


class QtiInteraction(_Model):
    """One interaction of a QTI item: where its response goes and what the student may pick.

    ``content`` (gap match, hot text) is HTML holding ``{{gap:ID}}`` / ``{{hottext:ID}}``
    markers; ``choices`` are the draggable/selectable choices, ``targets`` the second match
    set, the gaps' hotspots (graphic gap match) or the gaps (gap match).
    """

    kind: QtiInteractionKind
    response_identifier: str
    prompt: str = ""
    choices: tuple[QtiChoice, ...] = ()
    targets: tuple[QtiChoice, ...] = ()
    content: str = ""
    image: QtiImage | None = None
    shuffle: bool = False
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)


class QtiFeedback(_Model):
    """A ``modalFeedback`` of the item: shown in the grade when its outcome says so.

    Result material (it may explain the answer): it reaches students only in a released
    ``Grade``, never in the student view.
    """

    outcome: str = Field(description="The outcome variable it depends on.")
    identifier: str
    show: bool = Field(default=True, description="showHide: show when matched, else hide.")
    text: str = Field(description="HTML of the feedback.")


class QtiQuestion(QuestionBase):
    """A QTI item graded by interpreting its own response processing (``grading.qti``).

    ``text`` is the item body's HTML with each interaction replaced by ``{{interaction:ID}}``
    (ID = its response identifier); ``scoring_xml`` holds the item's declarations and
    response processing (key material, read only by the interpreter); ``points`` is the
    item's maximum score (MAXSCORE, else computed at import). ``manual`` marks items whose
    score a person gives (extended text without automatic scoring).
    """

    type: Literal["qti"] = "qti"
    text_format: TextFormat = "html"
    qti_version: str = "2.1"
    interactions: tuple[QtiInteraction, ...] = ()
    scoring_xml: str = Field(description="Declarations + responseProcessing, normalised QTI 2.")
    manual: bool = False
    modal_feedback: tuple[QtiFeedback, ...] = ()


Question = Annotated[
    MultipleChoiceQuestion
    | TrueFalseQuestion
    | ShortAnswerQuestion
    | NumericalQuestion
    | MatchingQuestion
    | OrderingQuestion
    | ClozeQuestion
    | FormulaQuestion
    | EssayQuestion
    | DescriptionQuestion
    | CodeQuestion
    | QtiQuestion,
    Field(discriminator="type"),
]

QuestionType = Literal[
    "multichoice",
    "truefalse",
    "shortanswer",
    "numerical",
    "matching",
    "ordering",
    "cloze",
    "formula",
    "essay",
    "description",
    "code",
    "qti",
]


class PartResult(_Model):
    """One graded part: a blank, a matching stem, a test case, a selected option."""

    part: str
    score: float
    max_score: float
    correct: bool
    detail: str = ""


GradeStatus = Literal["graded", "needs_manual_grading", "ungraded"]


class Grade(_Model):
    question_id: str
    question_type: QuestionType
    status: GradeStatus = "graded"
    score: float
    max_score: float
    fraction: float
    parts: tuple[PartResult, ...] = ()
    feedback: tuple[str, ...] = ()
    key_version: int
    grader_version: str
