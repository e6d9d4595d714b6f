# ruff: noqa: E501  (XML fixtures read better unwrapped)
"""Template processing run once at import: printed values, shown/hidden template content,
constraints, correct responses set by the template rules."""

from __future__ import annotations

from assessment_engine.authoring.qti import parse_qti
from assessment_engine.grading import grade
from assessment_engine.grading.models import QtiQuestion

ITEM = """<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="tp">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="integer"/>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <templateDeclaration identifier="A" cardinality="single" baseType="integer"/>
  <templateDeclaration identifier="B" cardinality="single" baseType="integer"/>
  <templateDeclaration identifier="HARD" cardinality="single" baseType="identifier"/>
  <templateDeclaration identifier="X" cardinality="single" baseType="float" mathVariable="true"/>
  <templateProcessing>
    <setTemplateValue identifier="A"><randomInteger min="1" max="9"/></setTemplateValue>
    <setTemplateValue identifier="B"><randomInteger min="1" max="9"/></setTemplateValue>
    <templateConstraint><gt><variable identifier="A"/><variable identifier="B"/></gt></templateConstraint>
    <setTemplateValue identifier="X"><divide><variable identifier="A"/><baseValue baseType="integer">4</baseValue></divide></setTemplateValue>
    <templateCondition>
      <templateIf><gt><variable identifier="A"/><baseValue baseType="integer">5</baseValue></gt>
        <setTemplateValue identifier="HARD"><baseValue baseType="identifier">yes</baseValue></setTemplateValue>
      </templateIf>
      <templateElse>
        <setTemplateValue identifier="HARD"><baseValue baseType="identifier">no</baseValue></setTemplateValue>
      </templateElse>
    </templateCondition>
    <setCorrectResponse identifier="RESPONSE">
      <subtract><variable identifier="A"/><variable identifier="B"/></subtract>
    </setCorrectResponse>
  </templateProcessing>
  <itemBody>
    <p>What is <printedVariable identifier="A"/> minus <printedVariable identifier="B"/>?
      (<printedVariable identifier="X" format="%.2f"/>)
      <templateInline templateIdentifier="HARD" identifier="yes" showHide="show">A big one.</templateInline>
      <templateInline templateIdentifier="HARD" identifier="yes" showHide="hide">A small one.</templateInline>
      <math xmlns="http://www.w3.org/1998/Math/MathML"><mi>X</mi></math>
      <textEntryInteraction responseIdentifier="RESPONSE"/></p>
  </itemBody>
  <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"/>
</assessmentItem>"""


def _instance() -> tuple[QtiQuestion, int, int]:
    (question,) = parse_qti(ITEM)
    assert isinstance(question, QtiQuestion)
    text = question.text
    head = text.split("What is ", 1)[1]
    a = int(head.split(" minus ", 1)[0])
    b = int(head.split(" minus ", 1)[1].split("?", 1)[0])
    return question, a, b


def test_the_instance_shows_its_values_and_keys_the_answer_they_imply():
    question, a, b = _instance()
    assert a > b  # the constraint held
    assert f"({a / 4:.2f})" in question.text  # printf format
    assert f"<mn>{a / 4:g}</mn>" in question.text  # MathML variable
    assert ("A big one." in question.text) == (a > 5)
    assert ("A small one." in question.text) == (a <= 5)
    assert "templateInline" not in question.text
    assert "printedVariable" not in question.text
    assert grade(question, {"RESPONSE": a - b}).score == 1
    assert grade(question, {"RESPONSE": a + b}).score == 0


def test_the_same_item_always_gives_the_same_instance():
    assert _instance() == _instance()
