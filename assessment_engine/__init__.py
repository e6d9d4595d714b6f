"""The exam platform's core: the contracts shared by deployables, question model, pure grading,
authoring import, exam rules, the assessment API, Redis storage and queue, grader workers, the
overflow dispatcher and the code sandbox. It imports none of the deployables or whole-stack
tools above it (``exam_stack`` holds the CLI)."""

__version__ = "0.1.0"
