"""What a model card says about code and data, read from its Markdown structure (auditor/card.py).

Rules, in the OSAID's terms: *data information* is a listing of the training data and where to obtain it, plus a
description of how it was obtained, selected and processed — wherever the publisher put it: the card's own data
sections and data-mix tables, the dataset cards of declared datasets, a linked datasheet or data card, a paper, or
data-preparation code. What comes from outside the card is marked so in the finding."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.card import (
    Block,
    CardDocument,
    Link,
    as_str_list,
    card_document,
    card_read_in_full,
    card_value,
    parse_markdown,
    split_card,
)
from auditor.evidence import DatasetEvidence, RepoEvidence
from auditor.probes import CARD_FIELD, FILE, HUB_FIELD, Finding

CODE_HOST = re.compile(r"^https?://(www\.)?(github\.com|gitlab\.com|codeberg\.org|bitbucket\.org|git\.[\w.-]+)/", re.I)
# Library and framework repositories: linking them is not publishing one's own training code.
GENERIC_REPOS = re.compile(
    r"github\.com/(huggingface/(transformers|peft|trl|accelerate|datasets|diffusers|tokenizers|hub-docs)|"
    r"pytorch/|tensorflow/|ggerganov/|ggml-org/|vllm-project/|microsoft/DeepSpeed|NVIDIA/Megatron|"
    r"UKPLab/sentence-transformers|oobabooga/|lm-sys/|EleutherAI/lm-evaluation-harness|openai/)", re.I)
_TRAIN_WORDS = re.compile(r"\b(train|training|pre-?train\w*|fine-?tun\w*|recipe|reproduc\w*)", re.I)
_CODE_FIELD = re.compile(r"^\W*(repositor(y|ies)|repo|code|github|source\s+code|training\s+code|codebase|"
                         r"code\s+repositor(y|ies))\b[^:]{0,30}:", re.I)
_CODE_LINK_TEXT = re.compile(r"\b(github|gitlab)\s+(repo|repository|page)\b|\b(code|codebase|source\s+code|"
                             r"repositor(y|ies))\b", re.I)
_CODE_SECTION = re.compile(r"\b(model\s+sources?|sources?|repositor(y|ies)|code|training|reproduc\w*|resources)\b",
                           re.I)
_DATA_SECTION = re.compile(
    r"\b(training|pre-?training|fine-?tuning|instruction|sft|alignment)\b.*\b(data|datasets?|corpus|corpora|mix\w*)\b"
    r"|^\W*(data|datasets?|corpus|corpora)\b|\bdata\s+(preparation|sources?|mix\w*|collection|processing|curation|"
    r"card|pipeline|details)\b", re.I)
_NOT_TRAINING = re.compile(r"\b(eval\w*|test\w*|benchmark\w*|validation)\b", re.I)
_DATA_SENTENCE = re.compile(
    r"\b(trained|pre-?trained|fine-?tuned|instruction[- ]tuned)\s+(on|using|with)\b[^.\n]{0,200}\b(data|datasets?|"
    r"corpus|corpora|tokens|pairs|sentences|documents|examples|mixture)\b", re.I)
_PROCESSING = re.compile(r"\b(deduplicat\w*|de-?dup\w*|filter(ed|ing|s)?|pre-?process\w*|clean(ed|ing)|"
                         r"quality\s+classifier|decontaminat\w*|toxicity\s+filter|sampling\s+(ratio|weights)|"
                         r"data\s+mix\w*|curat(ed|ion)|tokeni[sz]ed|collected|sourced|scraped|crawl\w*)\b", re.I)
_DATASHEET = re.compile(r"\b(datasheet|data\s+sheet|data\s+card|dataset\s+card|training\s+data\s+summary)\b", re.I)
_PAPER_URL = re.compile(r"^https?://(www\.)?(arxiv\.org/(abs|pdf)/|aclanthology\.org/|openreview\.net/|doi\.org/|"
                        r"jmlr\.org/papers/|proceedings\.(mlr\.press|neurips\.cc)/)",
                        re.I)
_ARXIV_ID = re.compile(r"\barxiv[:\s]*(\d{4}\.\d{4,5})", re.I)
_DATASET_URL = re.compile(r"^https?://(www\.)?(huggingface\.co|hf\.co)/datasets/([\w.-]+(/[\w.-]+)?)", re.I)
_DATA_CODE = re.compile(r"\b(data|datasets?|dolma|prep\w*|pipeline|curat\w*|dedup\w*|process\w*|tokeni[sz]\w*)\b",
                        re.I)
_MIX_SOURCE = re.compile(r"\b(datasets?|sources?|subsets?|domains?|corpus|corpora|data)\b", re.I)
_MIX_AMOUNT = re.compile(r"(\btokens?\b|%|\bproportion|\bpercent|\bweights?\b|\bratio|\bsize\b|\bepochs?\b|"
                         r"\bsampl\w*|\bdocuments\b|\bmix\w*|\bshare\b|\bbytes\b)", re.I)
_BARE = re.compile(r"https?://\S+")
# A dataset card section on how the data was made (the Hub's dataset card template and common variants).
_DATASET_PROCESS_SECTION = re.compile(
    r"\b(creation|curation|collection|processing|pre-?processing|filtering|source\s+data|methodology|"
    r"how\s+(it\s+)?was\s+(made|built|created)|construction|pipeline|deduplication)\b", re.I)
MAX_FINDINGS = 5


def _clip(text: str, n: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


# -- training code ----------------------------------------------------------------------------------------------------
def _own_code(url: str) -> bool:
    return bool(CODE_HOST.match(url)) and not GENERIC_REPOS.search(url)


def _code_reason(block: Block, link: Link) -> str | None:
    """Why a code link in the card is the model's own code, or None when nothing says so."""
    if _CODE_FIELD.match(block.text):
        return f"the card's '{block.text.split(':', 1)[0].strip()}' field links"
    if block.under(_CODE_SECTION):
        return f"the card's '{_clip(next(h for h in reversed(block.section) if _CODE_SECTION.search(h)), 40)}' " \
               "section links"
    if _TRAIN_WORDS.search(block.text) or _TRAIN_WORDS.search(link.url) or _TRAIN_WORDS.search(link.text):
        return "the card links code next to a mention of training:"
    if _CODE_LINK_TEXT.search(link.text):
        return f"the card links its code as '{_clip(link.text, 40)}':"
    return None


def code_links(evidence: RepoEvidence) -> list[Finding]:
    """The model's own code linked from the card: a `repository`/`code` metadata field, a "Repository:" field or a
    "Model Sources"/"Code"/"Training" section of the card, or a link next to words about training."""
    out: list[Finding] = []
    for key in ("repository", "code", "github", "training_code", "repo"):
        for v in as_str_list(card_value(evidence, key))[0]:
            if _own_code(v):
                out.append(Finding("training-code-link", f"Card field '{key}' links {v[:120]}.", f"cardData.{key}",
                                   CARD_FIELD))
    document = card_document(evidence)
    seen = {f.detail.rsplit(" ", 1)[-1].rstrip(".") for f in out}
    for block in document.blocks if document else ():
        for link in block.links:
            if link.url in seen or not _own_code(link.url):
                continue
            reason = _code_reason(block, link)
            if reason:
                seen.add(link.url)
                out.append(Finding("training-code-link", f"{reason[0].upper()}{reason[1:]} {link.url[:120]}.",
                                   f"README.md#L{link.line}", FILE))
    return out[:MAX_FINDINGS]


# -- data information -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DataInformation:
    readable: bool  # the published card's prose was read, so what it does not say is known to be absent
    declared: list[Finding]  # datasets in metadata or dataset URLs
    unobtainable: list[Finding]  # declared datasets that do not resolve
    described: list[Finding]  # training data described (card sections, sentences, mix tables, dataset cards)
    processing: list[Finding]  # how it was obtained, selected, processed (card, dataset cards, linked documents)
    documents: list[Finding]  # datasheet / data card / paper / data-preparation code links
    unchecked: list[Finding] = field(default_factory=list)  # declared datasets whose lookup failed or was skipped

    @property
    def listed(self) -> bool:
        return bool(self.declared or self.unchecked)

    @property
    def obtainable(self) -> bool:
        """Every declared dataset resolved: one that could not be checked is not assumed obtainable."""
        return self.listed and not self.unobtainable and not self.unchecked

    def all(self) -> list[Finding]:
        return (self.declared + self.unchecked + self.unobtainable + self.described + self.processing
                + self.documents)


def dataset_card_process(dataset: DatasetEvidence) -> str | None:
    """The section of a dataset's own card that says how the data was made, or None. Parsed once per card text."""
    text = getattr(dataset, "card", None)
    if not text:
        return None
    card = split_card(text)
    document = parse_markdown(card.body, card.body_offset)
    for block in document.blocks:
        if block.kind == "heading" and _DATASET_PROCESS_SECTION.search(block.text):
            if any(len(b.text) > 40 for b in document.section_text(block)):
                return block.text
    return None


def _declared(evidence: RepoEvidence, out: _Collected) -> list[str]:
    ids, _ = as_str_list(card_value(evidence, "datasets"))
    resolved = {d.id: d for d in evidence.datasets}
    for ds_id in ids[:50]:
        d = resolved.get(ds_id)
        if d is None or d.exists is None:
            why = d.detail if d is not None and d.detail else "not looked up"
            out.unchecked.append(Finding("dataset-unchecked", f"Training dataset '{ds_id}' is declared; whether it "
                                         f"can be obtained is unknown ({why}).", "cardData.datasets", CARD_FIELD))
        elif not d.exists:
            out.unobtainable.append(Finding("dataset-missing", f"Declared dataset '{ds_id}' does not resolve on the "
                                            "Hub.", "cardData.datasets", CARD_FIELD))
        else:
            extra = (f", license {d.license}" if d.license else ", no license stated") + (", gated" if d.gated else "")
            url = f"https://huggingface.co/datasets/{ds_id}"
            out.declared.append(Finding("dataset-declared", f"Training dataset '{ds_id}' is declared and on the Hub"
                                        f"{extra}.", url, CARD_FIELD))
            section = dataset_card_process(d)
            if section:
                out.described.append(Finding("dataset-card", f"The dataset card of '{ds_id}' documents the data "
                                             "(outside the model card).", url, HUB_FIELD))
                out.processing.append(Finding("dataset-card-processing", f"The dataset card of '{ds_id}' describes "
                                              f"how the data was made in its '{_clip(section, 50)}' section (outside "
                                              "the model card).", url, HUB_FIELD))
    return ids


@dataclass
class _Collected:
    declared: list[Finding] = field(default_factory=list)
    unobtainable: list[Finding] = field(default_factory=list)
    described: list[Finding] = field(default_factory=list)
    processing: list[Finding] = field(default_factory=list)
    documents: list[Finding] = field(default_factory=list)
    unchecked: list[Finding] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def once(self, bucket: list[Finding], key: str, finding: Finding) -> None:
        if key not in self.seen and len(bucket) < MAX_FINDINGS:
            self.seen.add(key)
            bucket.append(finding)


def _in_data_section(block: Block) -> bool:
    return any(_DATA_SECTION.search(h) and not _NOT_TRAINING.search(h) for h in block.section)


def _is_mix_table(block: Block) -> bool:
    if block.kind != "table" or len(block.rows) < 3:
        return False
    header = block.rows[0]
    return any(_MIX_SOURCE.search(c) for c in header) and any(_MIX_AMOUNT.search(c) for c in header)


def _card_data(document: CardDocument, ids: list[str], out: _Collected) -> None:
    for block in document.blocks:
        where = f"README.md#L{block.line}"
        for link in block.links:
            _link_data(block, link, ids, out)
        text = _BARE.sub("URL", block.text)
        in_section = _in_data_section(block)
        if _is_mix_table(block):
            out.once(out.described, "table", Finding("data-mix-table", "The card lists its training data mix in a "
                                                     f"table ({len(block.rows) - 1} rows: {_clip(block.rows[0][0], 30)}"
                                                     f", {_clip(block.rows[1][0], 40)}, …).", where, FILE))
            out.once(out.processing, "table-processing", Finding("data-mix-table", "The card's data-mix table says how the "
                                                      "training data was selected and weighted.", where, FILE))
        if block.kind == "heading" and _DATA_SECTION.search(block.text) and not _NOT_TRAINING.search(block.text):
            content = [b for b in document.section_text(block) if b.kind != "heading" and len(b.text) > 40]
            if content:
                out.once(out.described, "section", Finding("training-data-section", f"The card's '{_clip(block.text, 50)}"
                                                           f"' section describes the training data.", where, FILE))
        sentence = _DATA_SENTENCE.search(text)
        if sentence and block.kind != "code":
            out.once(out.described, "sentence", Finding("training-data-described", "The card describes its training "
                                                        f"data: \"{_clip(sentence.group(0))}\".", where, FILE))
        processing = _PROCESSING.search(text)
        if processing and block.kind != "code" and (in_section or sentence):
            out.once(out.processing, "processing", Finding("processing-described", "The card describes how the data "
                                                           f"was processed ('{processing.group(0)}').", where, FILE))
        datasheet = _DATASHEET.search(text)
        if datasheet:
            out.once(out.documents, "datasheet", Finding("datasheet", f"The card refers to a {datasheet.group(0).lower()}"
                                                         " for its training data.", where, FILE))


def _link_data(block: Block, link: Link, ids: list[str], out: _Collected) -> None:
    where = f"README.md#L{link.line}"
    dataset = _DATASET_URL.match(link.url)
    if dataset and dataset.group(3) not in ids and len(out.declared) < 20:
        out.once(out.declared, "ds:" + dataset.group(3), Finding("dataset-linked", f"The card links dataset "
                                                                 f"{dataset.group(3)}.", where, FILE))
    elif _download_link(block, link):
        out.once(out.declared, "dl:" + link.url, Finding("dataset-linked", "The card's training-data section says "
                                                         f"where to obtain the data: {link.url[:100]}.", where, FILE))
    elif _PAPER_URL.match(link.url):
        out.once(out.documents, "paper", Finding("paper-link", f"The card links a paper: {link.url[:100]} (a "
                                                 "description outside the card).", where, FILE))
    elif _own_code(link.url) and (_in_data_section(block) or _DATA_CODE.search(link.url + " " + link.text)) and \
            _DATA_CODE.search(block.text + " " + link.url + " " + link.text):
        out.once(out.documents, "data-code", Finding("data-preparation-code", f"The card links data-preparation "
                                                     f"code: {link.url[:100]} (outside the card).", where, FILE))
    sheet = _DATASHEET.search(link.text)
    if sheet:
        out.once(out.documents, "datasheet", Finding("datasheet", f"The card links a {sheet.group(0).lower()}: "
                                                     f"{link.url[:100]} (outside the card).", where, FILE))


_DOWNLOAD = re.compile(r"\b(download\w*|obtain\w*|available|mirror\w*|hosted|released|access\w*)\b", re.I)
_HUB_OR_DOCS = re.compile(r"^https?://(www\.)?(huggingface\.co|hf\.co)/(?!datasets/)", re.I)


def _download_link(block: Block, link: Link) -> bool:
    """A link in a training-data section, in a sentence saying the data can be downloaded or obtained from it:
    where to obtain the data, even off the Hub (the Pile's website, a mirror)."""
    if not _in_data_section(block) or not _DOWNLOAD.search(block.text):
        return False
    return not (_PAPER_URL.match(link.url) or CODE_HOST.match(link.url) or _HUB_OR_DOCS.match(link.url)
                or _DATASHEET.search(link.text))


def _papers_from_tags(evidence: RepoEvidence, out: _Collected) -> None:
    for tag in evidence.tags:
        match = _ARXIV_ID.match(tag)
        if match:
            out.once(out.documents, "paper", Finding("paper-link", f"The Hub tags the model with the paper arXiv:"
                                                     f"{match.group(1)} (a description outside the card).", "tags",
                                                     HUB_FIELD))
            return


def _elsewhere(out: _Collected) -> None:
    """A declared Hub dataset that no longer resolves is still obtainable when the card's training-data section
    says where else to download the data (the Pile: its website and mirrors)."""
    downloads = [f for f in out.declared if f.detail.startswith("The card's training-data section says where")]
    if not out.unobtainable or not downloads:
        return
    for missing in out.unobtainable:
        out.declared.append(Finding("dataset-elsewhere", f"{missing.detail[:-1]}; the card says where else to obtain "
                                    f"it ({downloads[0].location}).", missing.location, missing.evidence_kind))
    out.unobtainable.clear()


def data_information(evidence: RepoEvidence) -> DataInformation:
    out = _Collected()
    ids = _declared(evidence, out)
    document = card_document(evidence)
    if document is not None:
        _card_data(document, ids, out)
    _papers_from_tags(evidence, out)
    _elsewhere(out)
    # A linked datasheet, data card, paper or data-preparation code is a description of how the data was
    # obtained and processed, outside the card; say so rather than count it silently.
    if out.documents and (out.declared or out.described):
        first = out.documents[0]
        out.once(out.processing, "documents", Finding(first.kind, f"How the data was obtained and processed is "
                                                      f"described outside the card: {first.detail}", first.location,
                                                      first.evidence_kind))
        if not out.described:
            out.once(out.described, "documents-described", out.processing[-1])
    return DataInformation(document is not None and card_read_in_full(evidence), out.declared, out.unobtainable,
                           out.described, out.processing, out.documents, out.unchecked)
