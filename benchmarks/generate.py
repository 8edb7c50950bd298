"""A scratch project of N seed-sized articles, the same for every run with the same seed.

Each article is shaped like the flagship sample (``content/gynecologic-oncology/
recurrent-cervical-cancer-omental-metastases.yaml``) at the size of the seed
page: a clinician and a patient wording of most texts, five or six sections, two
regimens with real drug names and doses in the model's units, a graded
recommendation, evidence grades from all three systems and four to six
references, every one cited.  Specialties, tags and reviewers come from the
repository's ``site_config/``.

The content is SYNTHETIC: trial names, reference titles, authors and journals
are invented for the benchmark, and no reference carries an identifier (PMID,
PMCID, DOI, NCT), because an invented identifier would point at someone
else's real work.  Nothing here is medical advice.

    python -m benchmarks.generate /tmp/bench-project 500
"""

from __future__ import annotations

import argparse
import random
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
COPIED = ("site_config", "theme", "mkdocs.yml")
"""What a scratch project takes from the repository as it is; content/ is generated."""

HEADER = (
    "# SYNTHETIC benchmark article written by benchmarks/generate.py (seed {seed}, article {index}).\n"
    "# Trials, references, authors and journals are invented; not medical advice.\n"
)

# --- what the articles are about ------------------------------------------------

CANCERS = {
    "gynecologic-oncology": ["cervical", "endometrial", "ovarian", "vulvar", "vaginal", "uterine"],
    "medical-oncology": ["breast", "colorectal", "lung", "gastric", "pancreatic", "bladder", "head and neck", "oesophageal"],
}
"""Cancers per specialty id; a specialty not listed here draws from all of them."""

SETTINGS = ["recurrent", "metastatic", "locally advanced", "platinum-resistant", "newly diagnosed advanced", "persistent"]
SITES = ["liver", "lung", "peritoneal", "bone", "omental", "nodal", "brain", "adrenal"]
QUESTIONS = [
    "What is the treatment for {setting} {cancer} cancer with {site} metastases?",
    "Which first-line regimen is preferred for {setting} {cancer} cancer?",
    "When should {drug} be added to chemotherapy for {setting} {cancer} cancer?",
    "How should {setting} {cancer} cancer be treated after progression on {drug}?",
    "Is {drug} an option for older patients with {setting} {cancer} cancer?",
]

# name, components (drug, dose, days, infusion or None, route), cycle length in days
REGIMENS = [
    ("Paclitaxel-carboplatin", [("paclitaxel", "175 mg/m2", [1], "3 h", "IV"), ("carboplatin", "AUC 5", [1], "30 min", "IV")], 21),
    ("Paclitaxel-cisplatin-bevacizumab", [("paclitaxel", "135 mg/m2", [1], "24 h", "IV"), ("cisplatin", "50 mg/m2", [2], None, "IV"), ("bevacizumab", "15 mg/kg", [1], None, "IV")], 21),
    ("Docetaxel-carboplatin", [("docetaxel", "75 mg/m2", [1], "1 h", "IV"), ("carboplatin", "AUC 6", [1], "30 min", "IV")], 21),
    ("Gemcitabine-cisplatin", [("gemcitabine", "1000 mg/m2", [1, 8], "30 min", "IV"), ("cisplatin", "25 mg/m2", [1, 8], "1 h", "IV")], 21),
    ("FOLFOX", [("oxaliplatin", "85 mg/m2", [1], "2 h", "IV"), ("leucovorin", "400 mg/m2", [1], "2 h", "IV"), ("fluorouracil", "400 mg/m2", [1], None, "IV")], 14),
    ("FOLFIRI", [("irinotecan", "180 mg/m2", [1], "90 min", "IV"), ("leucovorin", "400 mg/m2", [1], "2 h", "IV"), ("fluorouracil", "2400 mg/m2", [1], "46 h", "IV")], 14),
    ("Capecitabine-oxaliplatin", [("oxaliplatin", "130 mg/m2", [1], "2 h", "IV"), ("capecitabine", "1000 mg/m2", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], None, "oral")], 21),
    ("Pembrolizumab", [("pembrolizumab", "200 mg", [1], "30 min", "IV")], 21),
    ("Carboplatin-pemetrexed", [("pemetrexed", "500 mg/m2", [1], "10 min", "IV"), ("carboplatin", "AUC 5", [1], "30 min", "IV")], 21),
    ("Doxorubicin-cyclophosphamide", [("doxorubicin", "60 mg/m2", [1], None, "IV"), ("cyclophosphamide", "600 mg/m2", [1], "30 min", "IV")], 21),
    ("Topotecan", [("topotecan", "1.5 mg/m2", [1, 2, 3, 4, 5], "30 min", "IV")], 21),
    ("Trastuzumab-paclitaxel", [("trastuzumab", "6 mg/kg", [1], "30 min", "IV"), ("paclitaxel", "80 mg/m2", [1, 8, 15], "1 h", "IV")], 21),
    ("Etoposide-cisplatin", [("etoposide", "100 mg/m2", [1, 2, 3], "1 h", "IV"), ("cisplatin", "75 mg/m2", [1], "1 h", "IV")], 21),
    ("Nivolumab", [("nivolumab", "240 mg", [1], "30 min", "IV")], 14),
]
SINGLE_AGENTS = ["paclitaxel", "topotecan", "gemcitabine", "pemetrexed", "irinotecan", "docetaxel", "vinorelbine",
                 "pembrolizumab", "cemiplimab", "nivolumab", "capecitabine", "liposomal doxorubicin", "eribulin"]
TOXICITIES = [
    ("neutropenia", "a drop in the white blood cells that fight infection"),
    ("peripheral neuropathy", "tingling or numbness in the hands and feet"),
    ("hypertension", "high blood pressure"),
    ("proteinuria", "protein leaking into the urine"),
    ("fatigue", "tiredness that does not go away with rest"),
    ("nausea and vomiting", "feeling or being sick"),
    ("diarrhoea", "loose or frequent stools"),
    ("anaemia", "a low red blood cell count, which can make you breathless"),
    ("thrombocytopenia", "a low platelet count, which makes bruising and bleeding more likely"),
    ("immune-related colitis", "inflammation of the bowel caused by the immune system"),
]
PATIENT_DRUG_KINDS = ["a chemotherapy drug", "a targeted drug", "an immunotherapy drug"]
SURNAMES = ["Example", "Sample", "Placeholder", "Testwell", "Mockford", "Dummer", "Fictus", "Synthe", "Benchley", "Modelson"]
JOURNALS = ["Synthetic Oncology Reports", "Benchmark J Clin Oncol", "Imaginary Cancer Research", "Fictional Trials Quarterly"]
PUBLISHERS = ["Example Guideline Group (synthetic)", "Sample Oncology Society (synthetic)"]
TITLE_WORDS = ["outcomes", "survival", "toxicity", "quality of life", "dose intensity", "maintenance", "sequencing", "biomarkers"]

NCCN_CATEGORIES = ["1", "2A", "2B", "3"]
NCCN_PREFERENCES = [None, "preferred", "other recommended", "useful in certain circumstances"]
ESMO_LEVELS = ["I", "II", "III", "IV", "V"]
ESMO_GRADES = ["A", "B", "C", "D", "E"]
GRADE_CERTAINTIES = ["high", "moderate", "low", "very low"]
GRADE_STRENGTHS = [None, "strong", "conditional"]


def generate(root: Path, n: int, seed: int = 0) -> list[Path]:
    """Write a complete project at ``root`` with ``n`` articles; return the article files.

    ``root`` is created (or emptied of a previous content/); the same ``n`` and
    ``seed`` always write the same bytes.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source, target = REPO / name, root / name
        if target.is_dir():
            shutil.rmtree(target)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
    if (root / "content").exists():
        shutil.rmtree(root / "content")

    site = _site_vocabulary(root / "site_config")
    rng = random.Random(seed)
    plans = [_plan(rng, site, i) for i in range(n)]
    written = []
    for i, plan in enumerate(plans):
        data = _article(random.Random(f"{seed}-{i}"), site, plan, plans)
        path = root / "content" / plan["specialty"] / f"{plan['id']}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(HEADER.format(seed=seed, index=i) + _dump(data), encoding="utf-8")
        written.append(path)
    return written


# --- the site's closed vocabularies ---------------------------------------------

def _site_vocabulary(site_config: Path) -> dict[str, Any]:
    def read(name: str) -> Any:
        return yaml.safe_load((site_config / name).read_text(encoding="utf-8"))

    settings = read("site.yaml")
    return {
        "specialties": [s["id"] for s in read("specialties.yaml")],
        "tags": [t["id"] for t in read("tags.yaml")],
        "reviewers": [(r["id"], r.get("specialties", [])) for r in read("reviewers.yaml")],
        "audiences": [a["id"] for a in settings["audiences"]],
        "disclaimers": sorted(read("disclaimers.yaml")),
    }


def _plan(rng: random.Random, site: dict[str, Any], index: int) -> dict[str, Any]:
    """What one article is about, drawn in sequence so that ids can be linked before writing."""
    specialty = site["specialties"][index % len(site["specialties"])]
    cancer = rng.choice(CANCERS.get(specialty) or sorted({c for cs in CANCERS.values() for c in cs}))
    setting = rng.choice(SETTINGS)
    regimens = rng.sample(REGIMENS, 2)
    drug = regimens[0][1][-1][0]
    title = rng.choice(QUESTIONS).format(setting=setting, cancer=cancer, site=rng.choice(SITES), drug=drug)
    slug = "-".join(part for part in _words(f"{setting} {cancer} {drug}")) + f"-{index:05d}"
    return {"id": slug, "specialty": specialty, "cancer": cancer, "setting": setting, "title": title, "regimens": regimens}


def _words(text: str) -> list[str]:
    return ["".join(ch for ch in word.lower() if ch.isalnum()) for word in text.split() if any(ch.isalnum() for ch in word)]


# --- one article ----------------------------------------------------------------

def _article(rng: random.Random, site: dict[str, Any], plan: dict[str, Any], plans: list[dict[str, Any]]) -> dict[str, Any]:
    cancer, setting = plan["cancer"], plan["setting"]
    first, second = plan["regimens"]
    refs = _references(rng)
    keys = [r["key"] for r in refs]
    cite = _Citer(rng, keys)
    trial = f"{rng.choice(['ALPHA', 'BETA', 'GAMMA', 'DELTA', 'KAPPA', 'SIGMA'])}-{rng.randint(10, 99)}"
    os_a, os_b = _months(rng, 9, 16), _months(rng, 14, 24)
    pfs_a, pfs_b = _months(rng, 4, 7), _months(rng, 6, 11)
    clinician, patient = site["audiences"][0], site["audiences"][-1]
    two = clinician != patient

    def words(c: str, p: str) -> Any:
        return {clinician: c, patient: p} if two else c

    others = [plans[j]["id"] for j in rng.sample(range(len(plans)), min(len(plans), 3)) if plans[j] is not plan][:2]
    today = date(2025, 1, 1) + timedelta(days=rng.randint(0, 200))
    status = rng.choices(["approved", "submitted", "under_review"], weights=[6, 3, 1])[0]
    sections = [
        {"heading": "What this treatment involves", "audiences": [patient], "blocks": [
            {"prose": f"The medicines are given through a drip into a vein or as tablets, in **cycles** of "
                      f"{first[2]} days: you have the drugs on set days of each cycle, then time for your body to "
                      f"recover before the next cycle starts {cite()}. Most people have treatment in a hospital day "
                      f"unit and go home the same day."},
            {"list": [
                f"Before each cycle you will have blood tests to check that your body has recovered {cite()}.",
                "Common side effects include {}, and {}. Your team will give you medicines to prevent or ease "
                "many of these.".format(*(plain for _, plain in rng.sample(TOXICITIES, 2))),
                "Tell your team straight away about a fever, bleeding, severe pain or sudden shortness of breath.",
            ]},
        ]} if two else None,
        {"heading": "First-Line Systemic Therapy Options", "blocks": [
            {"prose": words(
                f"For {setting} {cancer} cancer, combination systemic therapy is the usual first step; the choice "
                f"between regimens depends on prior treatment, performance status and comorbidities {cite()}.",
                f"The tables below give the detailed doses that doctors use. Doses in mg/m² depend on your body "
                f"size, doses in mg/kg depend on your weight {cite()}.")},
            {"regimen": _regimen(rng, first, cite, words, trial, os_a, os_b, pfs_a, pfs_b)},
            {"regimen": _regimen(rng, second, cite, words, trial, os_a, os_b, pfs_a, pfs_b)},
            {"recommendation": {
                "text": words(
                    f"Offer {_name(first[0])} as first-line therapy to patients with {setting} {cancer} cancer and "
                    f"good performance status; consider {_name(second[0])} when the first is contraindicated "
                    f"{cite()}.",
                    f"For most people, {_name(first[0])} is the first treatment offered. If it is not suitable, "
                    f"{_name(second[0])} is an alternative {cite()}."),
                "evidence": [_grade(rng), _esmo(rng)],
            }},
        ]},
        {"heading": "Adverse Effects and Monitoring", "blocks": [
            {"prose": words(
                f"Toxicity in {trial} was manageable with dose delays and supportive care; treatment-related "
                f"discontinuation occurred in {rng.randint(5, 25)}% of patients {cite()}.",
                f"Most side effects can be treated or eased, and about {rng.randint(5, 25)} in 100 people in the "
                f"main study stopped treatment because of them {cite()}.")},
            {"list": [_toxicity_item(rng, toxicity, cite, words) for toxicity in rng.sample(TOXICITIES, 2)] + [
                {"text": words(
                    f"Check blood counts before each cycle, and renal function before each dose of platinum "
                    f"{cite()}.",
                    f"You will have blood tests before every cycle to make sure it is safe to go ahead {cite()}."),
                 "evidence": [_nccn(rng)]},
            ]},
        ]},
        {"heading": "Second-Line Therapy Options", "blocks": [
            {"prose": words("If disease progresses after first-line therapy, second-line options include:",
                            "If the cancer grows despite the first treatment, other medicines can be tried:")},
            {"list": [
                {"text": words(
                    f"{agent.capitalize()} (single agent): objective response rate {rng.randint(8, 30)}% in a "
                    f"phase {rng.choice(['II', 'III'])} cohort {cite()}",
                    f"{agent.capitalize()}, {rng.choice(PATIENT_DRUG_KINDS)}, which helped some people in a "
                    f"study {cite()}"),
                 **({"evidence": [_nccn(rng)]} if rng.random() < 0.5 else {})}
                for agent in rng.sample(SINGLE_AGENTS, 3)
            ]},
        ]},
        {"heading": "Surgical and Local Treatment", "blocks": [
            {"prose": words(
                f"For isolated {rng.choice(SITES)} recurrence, resection or radiotherapy may be considered in "
                f"selected cases after multidisciplinary review {cite()}.",
                f"An operation or radiotherapy is possible for a few people, usually when the cancer has come back "
                f"in one place only {cite()}.")},
            {"list": [
                {"text": words("Factors favouring a local approach:", "Surgery is more likely to be offered when:"),
                 "items": [
                     {"text": words("Single site of recurrence", "the cancer is in one place only")},
                     {"text": words("Good performance status", "you are fit and well enough for an operation")},
                     {"text": words("Long disease-free interval", "a long time has passed since the first treatment")},
                 ]},
            ]},
        ]},
        {"heading": "Monitoring and Follow-up", "audiences": [clinician], "blocks": [
            {"numbered": [
                f"Clinical review every {rng.choice([2, 3])} months for the first 2 years {cite()}",
                f"CT of chest, abdomen and pelvis every {rng.choice(['2-3', '3', '3-4'])} months to assess response",
                f"Median overall survival with first-line combination therapy is {os_a} to {os_b} months, and median "
                f"progression-free survival {pfs_a} to {pfs_b} months {cite()}",
            ]},
        ]} if two else None,
        {"heading": "Prognosis", "blocks": [
            {"prose": words(
                f"The prognosis of {setting} {cancer} cancer is guarded; treatment aims to prolong survival and "
                f"preserve quality of life {cite(all_remaining=True)}.",
                f"Cancer that has come back or spread is hard to cure, and treatment usually aims to control it "
                f"for as long as possible. The figures are averages from studies; they cannot predict what will "
                f"happen to any one person {cite(all_remaining=True, again=True)}.")},
        ]},
    ]
    sections = [s for s in sections if s is not None]
    summary = words(
        f"For {setting} {cancer} cancer, the preferred first-line treatment is systemic therapy with "
        f"**{_name(first[0])}**; {_name(second[0])} is an alternative {cite()}.",
        f"When {cancer} cancer comes back or spreads, the usual first treatment is medicine that works throughout "
        f"the body. The most common choice is {_name(first[0])}, and your care team will talk with you about "
        f"which combination suits you {cite()}.")
    created = today - timedelta(days=rng.randint(30, 400))
    review: dict[str, Any] = {
        "status": status,
        "author": "Benchmark Generator (synthetic)",
        "created": created.isoformat(),
        "updated": today.isoformat(),
        "next_review": (today + timedelta(days=365)).isoformat(),
        "version": rng.randint(1, 4),
        "approvals": [],
    }
    article = {
        "id": plan["id"],
        "title": plan["title"],
        "specialty": plan["specialty"],
        "tags": sorted(rng.sample(site["tags"], min(len(site["tags"]), rng.randint(3, 6))), key=site["tags"].index),
        "audiences": [clinician, patient] if two else [clinician],
        "summary": summary,
        "sections": sections,
        "references": refs,
        "see_also": sorted(others),
        "disclaimer": "standard" if "standard" in site["disclaimers"] else site["disclaimers"][0],
        "review": review,
    }
    reviewers = [r for r, covers in site["reviewers"] if plan["specialty"] in covers]
    if status == "approved" and reviewers:
        review["approvals"] = [{"reviewer": rng.choice(reviewers), "date": (today + timedelta(days=3)).isoformat(),
                                "content": _content_hash(article)}]
    elif status == "approved":
        review["status"] = "submitted"
    return article


class _Citer:
    """Hands out ``[@key]`` citations so that every reference ends up cited."""

    def __init__(self, rng: random.Random, keys: list[str]):
        self.rng, self.keys, self.uncited = rng, keys, list(keys)

    def __call__(self, *, all_remaining: bool = False, again: bool = False) -> str:
        if again:
            return self.last
        if all_remaining and self.uncited:
            chosen, self.uncited = self.uncited, []
        elif self.uncited and self.rng.random() < 0.6:
            chosen = [self.uncited.pop(0)]
        else:
            chosen = self.rng.sample(self.keys, self.rng.choice([1, 1, 2]))
        self.last = "[" + "; ".join(f"@{k}" for k in chosen) + "]"
        return self.last


def _regimen(rng, spec, cite, words, trial, os_a, os_b, pfs_a, pfs_b) -> dict[str, Any]:
    name, components, cycle = spec
    out = []
    for drug, dose, days, infusion, route in components:
        component: dict[str, Any] = {"drug": drug, "dose": dose, "days": days[0] if len(days) == 1 else list(days)}
        if route != "IV":
            component["route"] = route
        if infusion:
            component["infusion"] = infusion
        out.append(component)
    return {
        "name": name,
        "evidence": [rng.choice([_esmo, _nccn, _grade])(rng)],
        "cite": [cite()[2:-1].split("; @")[0]],
        "cycle_days": cycle,
        "components": out,
        "notes": [
            words(f"Overall survival {os_b} vs {os_a} months in the {trial} trial (HR 0.{rng.randint(60, 85)}) {cite()}",
                  f"In a large study, people who had this combination lived a few months longer on average {cite()}"),
            words(f"Progression-free survival {pfs_b} vs {pfs_a} months {cite()}",
                  f"It also kept the cancer from growing for longer {cite()}"),
            f"Repeat every {cycle} days until disease progression or unacceptable toxicity",
        ],
    }


def _toxicity_item(rng, toxicity, cite, words) -> dict[str, Any]:
    term, plain = toxicity
    a, b = rng.randint(2, 12), rng.randint(13, 35)
    return {"text": words(f"Grade 3 or higher {term}: {b}% vs {a}% {cite()}",
                          f"{plain.capitalize()}: about {b} in 100 people, compared with {a} in 100 {cite()}")}


def _name(regimen: str) -> str:
    """A regimen's name inside a sentence: ``paclitaxel-carboplatin`` but ``FOLFOX``."""
    return regimen[0].lower() + regimen[1:] if regimen[1:2].islower() else regimen


def _months(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.randint(low, high)}.{rng.randint(0, 9)}"


def _nccn(rng: random.Random) -> dict[str, Any]:
    grade = {"system": "nccn", "category": rng.choice(NCCN_CATEGORIES)}
    if preference := rng.choice(NCCN_PREFERENCES):
        grade["preference"] = preference
    return grade


def _esmo(rng: random.Random) -> dict[str, Any]:
    return {"system": "esmo", "level": rng.choice(ESMO_LEVELS), "grade": rng.choice(ESMO_GRADES)}


def _grade(rng: random.Random) -> dict[str, Any]:
    grade = {"system": "grade", "certainty": rng.choice(GRADE_CERTAINTIES)}
    if strength := rng.choice(GRADE_STRENGTHS):
        grade["strength"] = strength
    return grade


def _references(rng: random.Random) -> list[dict[str, Any]]:
    """Four to six invented references: no identifiers, by design."""
    refs = []
    for i in range(rng.randint(4, 6)):
        year = rng.randint(2012, 2025)
        authors = [f"{s} {rng.choice('ABCDEFGHJKLM')}{rng.choice('ABCDEFGHJKLM')}" for s in rng.sample(SURNAMES, rng.randint(1, 4))]
        if rng.random() < 0.5:
            authors.append("et al.")
        ref: dict[str, Any] = {
            "key": f"ref{i + 1}-{year}",
            "authors": authors,
            "title": "Synthetic benchmark reference on {} and {} in a fictional cohort".format(*rng.sample(TITLE_WORDS, 2)),
        }
        if rng.random() < 0.75:
            start = rng.randint(100, 2000)
            ref.update(journal=rng.choice(JOURNALS), year=year, volume=rng.randint(1, 60),
                       issue=rng.randint(1, 24), pages=f"{start}-{start + rng.randint(5, 15)}")
        else:
            ref.update(publisher=rng.choice(PUBLISHERS), year=year)
        refs.append(ref)
    return refs


def _content_hash(article: dict[str, Any]) -> str:
    """The hash ``guidesite approve`` would pin, so that approvals show as current."""
    from guidesite.model import Article
    from guidesite.approvals import content_hash

    return content_hash(Article.model_validate(article))


class _Dumper(yaml.SafeDumper):
    """YAML as an author writes it: short leaves inline, text in blocks, no anchors or aliases (the loader refuses them)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _inline(values: Any) -> bool:
    return all(isinstance(v, (int, str)) and len(str(v)) <= 40 for v in values)


_Dumper.add_representer(dict, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=_inline(data.values())))
_Dumper.add_representer(list, lambda d, data: d.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=_inline(data)))


def _dump(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="Project folder to write (content/ in it is replaced).")
    parser.add_argument("n", type=int, help="Number of articles.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    paths = generate(args.root, args.n, seed=args.seed)
    size = sum(p.stat().st_size for p in paths)
    print(f"Wrote {len(paths)} articles ({size / max(len(paths), 1) / 1024:.1f} KB each on average) under {args.root / 'content'}")


if __name__ == "__main__":
    main()
