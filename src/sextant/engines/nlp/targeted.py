"""Targeted sentiment: the entities of a text, each mention with the sentiment expressed around it.

Mentions are spaCy's named entities, the noun chunks that are not part of one, and the personal
pronouns (which Comprehend reports too). A mention's sentiment is that of its clause (its sentence
split at contrastive markers, see `sentiment.clauses`), so "the food was great but the service was
slow" gives the food POSITIVE and the service NEGATIVE. Mentions are grouped into entities by their
text without determiners (case-insensitive); a one-word person name joins the earlier full name it
ends or starts ("Obama" → "Barack Obama"), with GroupScore the share of the full name it matches,
and first-person pronouns form one entity (the writer). DescriptiveMentionIndex lists the longest
mentions of a group.
"""

from __future__ import annotations

from . import analysis, pipeline, sentiment

TYPES = {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "FACILITY", "ORG": "ORGANIZATION",
         "PRODUCT": "COMMERCIAL_ITEM", "EVENT": "EVENT", "WORK_OF_ART": "OTHER", "DATE": "DATE", "TIME": "DATE",
         "MONEY": "QUANTITY", "PERCENT": "QUANTITY", "QUANTITY": "QUANTITY", "CARDINAL": "QUANTITY",
         "ORDINAL": "QUANTITY", "NORP": "OTHER", "LAW": "OTHER", "LANGUAGE": "OTHER"}
FIRST_PERSON = {"i", "me", "my", "mine", "myself"}
PRONOUNS = FIRST_PERSON | {"you", "your", "he", "him", "his", "she", "her", "we", "us", "our", "they", "them", "their"}
_DETERMINERS = ("the ", "a ", "an ", "this ", "that ", "these ", "those ", "my ", "our ", "your ", "his ", "her ",
                "their ", "its ")


def detect_targeted_sentiment(text: str, model: str | None = None) -> list[dict]:
    """Comprehend's TargetedEntity list: [{"DescriptiveMentionIndex": [...], "Mentions": [...]}]."""
    doc = pipeline.parse(text, model)
    entity_scores = analysis.entity_scores(doc, model)
    confidence = pipeline.tag_probabilities(doc, model)
    mentions = []  # (start, end, type, score)
    taken = set()
    for ent in doc.ents:
        score = min(1.0, entity_scores.get((ent.start, ent.end, ent.label_), 0.0))
        mentions.append((*analysis.trim(text, ent.start_char, ent.end_char), TYPES.get(ent.label_, "OTHER"),
                         max(score, 1e-4)))
        taken.update(range(ent.start, ent.end))
    for chunk in doc.noun_chunks:
        if taken.intersection(range(chunk.start, chunk.end)) or chunk.root.pos_ == "PRON":
            continue
        score = float(min(confidence[chunk.start:chunk.end]))
        mentions.append((*analysis.trim(text, chunk.start_char, chunk.end_char), "OTHER", score))
    for token in doc:
        if token.pos_ == "PRON" and token.lower_ in PRONOUNS and token.i not in taken:
            mentions.append((token.idx, token.idx + len(token), "PERSON", float(confidence[token.i])))
    mentions = sorted(m for m in mentions if m[0] < m[1])
    if not mentions:
        return []

    spans = [clause for sentence in sentiment.sentences(text) for clause in sentiment.clauses(text, *sentence)]
    clause_of = [next((c for c in spans if c[0] <= start < c[1]), (start, end)) for start, end, _, _ in mentions]
    distinct = sorted(set(clause_of))
    feelings = dict(zip(distinct, sentiment.detect_sentiment_many([text[a:b] for a, b in distinct], model)))

    groups: list[dict] = []
    for (start, end, kind, score), clause in zip(mentions, clause_of):
        key, group_score = _key(text[start:end]), 1.0
        group = next((g for g in groups if g["key"] == key and g["type"] == kind), None)
        if group is None and kind == "PERSON" and " " not in key:
            for candidate in groups:
                names = candidate["key"].split()
                if candidate["type"] == "PERSON" and len(names) > 1 and key in (names[0], names[-1]):
                    group, group_score = candidate, 1.0 / len(names)
                    break
        if group is None:
            group = {"key": key, "type": kind, "mentions": []}
            groups.append(group)
        feeling = feelings[clause]
        group["mentions"].append({"Score": round(score, 6), "GroupScore": round(group_score, 6),
                                  "Text": text[start:end], "Type": kind,
                                  "MentionSentiment": {"Sentiment": feeling["Sentiment"],
                                                       "SentimentScore": feeling["SentimentScore"]},
                                  "BeginOffset": start, "EndOffset": end})
    result = []
    for group in groups:
        longest = max(len(m["Text"]) for m in group["mentions"])
        result.append({"DescriptiveMentionIndex": [i for i, m in enumerate(group["mentions"])
                                                   if len(m["Text"]) == longest],
                       "Mentions": group["mentions"]})
    return result


def _key(mention: str) -> str:
    """A mention's grouping key: lower case, without a leading determiner; the writer for 'I', 'me', …"""
    words = mention.lower()
    if words in FIRST_PERSON:
        return "<writer>"
    for determiner in _DETERMINERS:
        if words.startswith(determiner):
            return words[len(determiner):]
    return words
