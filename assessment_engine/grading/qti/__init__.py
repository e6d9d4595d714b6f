"""QTI response processing, interpreted: the grader of ``QtiQuestion`` (``type == "qti"``).

Pure and deterministic, no I/O: workers and the Lambda function run it alike. An item's
declarations and response processing (``QtiQuestion.scoring_xml``) are compiled once per process
into closures (``program``) and run on each response (``grade``). Modules:

* ``values`` — QTI values (base types, containers, records, NULL); ``declarations`` — response
  and outcome declarations, mappings, area mappings, lookup tables;
* ``compiler`` + ``operators_logic`` + ``operators_math`` — the expression language;
  ``rules`` — conditions, setOutcomeValue, lookupOutcomeValue, exitResponse, fragments;
* ``templates`` (+ ``templates/*.xml``) — the standard templates as their published XML;
* ``program`` — compile and cache; ``responses`` — JSON responses to QTI values;
  ``grade`` — the Grade; ``maxscore`` — an item's maximum score; ``shapes``, ``xsd_regex``,
  ``xml`` — helpers; ``errors`` — the error tree.
"""
