"""From publication to moments: the engine's indexes kept current from the store, consent
routing and the relevance rules, then the moment records.

``matcher.Matcher`` is the façade the rest of Buurt uses (built in ``buurt.bootstrap``); its
modules, in the order a publication goes through them: ``indexes`` (per circle, the engine's
indexes of standing records, and what they find), ``candidates`` (who would receive what, and
why), ``routing`` (the consent decision), ``gates`` (the circles' relevance gates and their
recipients' caps and quiet hours) and ``moments`` (the records, with access-log entries and
webhook outbox rows). ``standings`` translates domain records into the engine's terms;
``registry`` holds the integers the engine wants for ids (standing keys, recipient numbers),
each only while something needs it. Only ``matcher`` is meant to be imported from outside
this package.
"""
