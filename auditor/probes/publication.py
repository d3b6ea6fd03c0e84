"""What is published: weight formats, training and inference code, data information."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from auditor.bases import config_of
from auditor.card import as_str_list, card_value, readme
from auditor.evidence import RepoEvidence
from auditor.probes import CARD_FIELD, FILE, HUB_FIELD, Finding, ProbeResult, false, not_available, true
from auditor.probes.context import ProbeContext

WEIGHT_FORMATS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("safetensors", (".safetensors",)),
    ("pickle", (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")),
    ("gguf", (".gguf", ".ggml")),
    ("onnx", (".onnx",)),
    ("keras", (".h5", ".keras", ".hdf5")),
    ("flax", (".msgpack",)),
    ("tflite", (".tflite",)),
    ("coreml", (".mlmodel",)),
)
_GGML = re.compile(r"(^|[/._-])ggml(v\d+)?([/._-]|$)")
_CHECKPOINT_SHARD = re.compile(r"(^|/)(ckpt|checkpoint)[^/]*/(tensor|shard|model)[\w.-]*$")
# Files with weight-like suffixes that are not weights.
_NOT_WEIGHTS = re.compile(r"(^|/)(training_args|optimizer|scheduler|rng_state[^/]*|tokenizer[^/]*)\.(bin|pt|pth)$", re.I)
INFERENCE_LIBRARIES = {
    "transformers", "sentence-transformers", "diffusers", "peft", "timm", "open_clip", "spacy", "flair", "keras",
    "gguf", "llama.cpp", "mlx", "onnx", "adapter-transformers", "fastai", "nemo", "paddlenlp", "setfit",
    "span-marker", "stable-baselines3", "transformers.js", "vllm", "fairseq", "espnet", "speechbrain",
    "sklearn", "tensorflowtts", "asteroid", "allennlp", "stanza", "fasttext", "pyannote-audio", "timesfm",
    "unity-sentis", "ml-agents", "bertopic", "sample-factory", "pythae", "paddlepaddle", "tf-keras", "openvino",
    "litert", "mlc-llm", "ctranslate2", "model2vec", "gliner",
}
_URL = re.compile(r"https?://[^\s)\]>\"'`]+", re.I)
_CODE_HOST = re.compile(r"https?://(www\.)?(github\.com|gitlab\.com|codeberg\.org|bitbucket\.org|git\.)[^\s)\]>\"'`]*",
                        re.I)
_TRAIN_WORDS = re.compile(r"\b(train|training|pre-?train|fine-?tun|recipe|reproduc)", re.I)
# Library and framework repositories: linking them is not publishing one's own training code.
_GENERIC_REPOS = re.compile(
    r"github\.com/(huggingface/(transformers|peft|trl|accelerate|datasets|diffusers|tokenizers|hub-docs)|"
    r"pytorch/|tensorflow/|ggerganov/|ggml-org/|vllm-project/|microsoft/DeepSpeed|NVIDIA/Megatron|"
    r"UKPLab/sentence-transformers|oobabooga/|lm-sys/|EleutherAI/lm-evaluation-harness|openai/)", re.I)
_DATA_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*.*\b(training|pre-?training|fine-?tuning)\s+(data|dataset|corpus)", re.I | re.M)
_DATA_SENTENCE = re.compile(
    r"\b(trained|pre-?trained|fine-?tuned)\s+(on|using|with)\b[^.\n]{0,200}\b(data|dataset|corpus|corpora|tokens|"
    r"pairs|sentences|documents|examples)", re.I)
_PROCESSING = re.compile(r"\b(deduplicat\w*|filter(ed|ing)?|pre-?process\w*|clean(ed|ing)|quality\s+classifier|"
                         r"decontaminat\w*|toxicity\s+filter|sampling\s+(ratio|weights)|data\s+mixture)\b", re.I)
_DATASHEET = re.compile(r"\b(datasheet|data\s+card|dataset\s+card|training\s+data\s+summary)\b", re.I)
_PAPER = re.compile(r"https?://(www\.)?(arxiv\.org/(abs|pdf)/|aclanthology\.org/|openreview\.net/|doi\.org/)[^\s)\]>]*",
                    re.I)
_DATASET_URL = re.compile(r"https?://huggingface\.co/datasets/([\w.-]+/[\w.-]+|[\w.-]+)", re.I)


def _line_of(text: str, pos: int, offset: int = 1) -> int:
    return text.count("\n", 0, pos) + offset


@lru_cache(maxsize=8192)  # asked for every file by several probes of every audit
def weight_format(path: str) -> str | None:
    """The weight format a file name indicates, or None for files that are not weights."""
    if _NOT_WEIGHTS.search(path):
        return None
    lower = path.lower()
    if _GGML.search(lower):  # llama.cpp's older GGML files end in .bin but are not pickles
        return "gguf"
    for fmt, suffixes in WEIGHT_FORMATS:
        if lower.endswith(suffixes):
            return fmt
    if _CHECKPOINT_SHARD.search(lower):  # e.g. Grok-1's ckpt-0/tensor00000_000: raw checkpoint shards
        return "checkpoint"
    return None


def weight_files(evidence: RepoEvidence) -> list[tuple[str, str, int | None]]:
    """(path, format, size) of every weight file in the repo."""
    return [(f.path, fmt, f.size) for f in evidence.files if (fmt := weight_format(f.path))]


def _weight_findings(evidence: RepoEvidence) -> list[Finding]:
    files = weight_files(evidence)
    if not files:
        return []
    formats = sorted({fmt for _, fmt, _ in files})
    gate = f" behind a {evidence.gated} access gate" if evidence.gated else ""
    return [Finding("weights-published", f"{len(files)} weight file(s) published{gate} ({', '.join(formats)}).",
                    "siblings", HUB_FIELD)]


def _code_links(evidence: RepoEvidence) -> list[Finding]:
    """Code-host links in the card that sit near words about training (or in a `repository`/`code` field)."""
    out: list[Finding] = []
    for key in ("repository", "code", "github", "training_code", "repo"):
        value = card_value(evidence, key)
        values, _ = as_str_list(value)
        for v in values:
            if _CODE_HOST.match(v) and not _GENERIC_REPOS.search(v):
                out.append(Finding("training-code-link", f"Card field '{key}' links {v[:120]}.", f"cardData.{key}",
                                   CARD_FIELD))
    card = readme(evidence)
    if card is None:
        return out
    body = card.body[:500_000]
    for match in _CODE_HOST.finditer(body):
        url = match.group(0).rstrip(".,;:")
        if _GENERIC_REPOS.search(url):
            continue
        start = body.rfind("\n\n", 0, match.start()) + 1
        end = body.find("\n\n", match.end())
        paragraph = body[start: end if end != -1 else len(body)]
        if _TRAIN_WORDS.search(paragraph) or _TRAIN_WORDS.search(url):
            line = _line_of(body, match.start(), card.body_offset)
            out.append(Finding("training-code-link", f"The card links code near a mention of training: {url[:120]}.",
                               f"README.md#L{line}", FILE))
    return out[:5]


def _inference_findings(evidence: RepoEvidence) -> list[Finding]:
    out: list[Finding] = []
    library = evidence.library_name or card_value(evidence, "library_name")
    if isinstance(library, str) and library.lower() in INFERENCE_LIBRARIES:
        out.append(Finding("inference-code", f"Runs with the open-source library '{library}'.", "library_name",
                           HUB_FIELD))
    config = config_of(evidence)
    if config and (config.get("architectures") or config.get("model_type")):
        arch = ", ".join(map(str, config.get("architectures") or [config.get("model_type")]))[:120]
        out.append(Finding("architecture", f"config.json declares the architecture ({arch}).", "config.json", FILE))
    elif any(path in ("config.json", "params.json", "model_index.json") for path in evidence.file_paths()):
        out.append(Finding("architecture", "The repository carries an architecture configuration file.", "siblings",
                           HUB_FIELD))
    return out


@dataclass(frozen=True)
class DataInformation:
    readable: bool  # README prose was available
    declared: list[Finding]  # datasets in metadata or dataset URLs
    unobtainable: list[Finding]  # declared datasets that do not resolve
    described: list[Finding]  # training data described in prose
    processing: list[Finding]  # processing / filtering described
    documents: list[Finding]  # datasheet / data card / paper links
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


def data_information(evidence: RepoEvidence) -> DataInformation:
    declared: list[Finding] = []
    unobtainable: list[Finding] = []
    unchecked: list[Finding] = []
    ids, _ = as_str_list(card_value(evidence, "datasets"))
    resolved = {d.id: d for d in evidence.datasets}
    for ds_id in ids[:50]:
        d = resolved.get(ds_id)
        if d is None or d.exists is None:
            why = d.detail if d is not None and d.detail else "not looked up"
            unchecked.append(Finding("dataset-unchecked", f"Training dataset '{ds_id}' is declared; whether it can "
                                     f"be obtained is unknown ({why}).", "cardData.datasets", CARD_FIELD))
            continue
        if d.exists:
            extra = (f", license {d.license}" if d.license else ", no license stated") + (
                ", gated" if d.gated else "")
            declared.append(Finding("dataset-declared", f"Training dataset '{ds_id}' is declared and on the Hub{extra}.",
                                    f"https://huggingface.co/datasets/{ds_id}", CARD_FIELD))
        else:
            unobtainable.append(Finding("dataset-missing", f"Declared dataset '{ds_id}' does not resolve on the Hub.",
                                        "cardData.datasets", CARD_FIELD))
    card = readme(evidence)
    described: list[Finding] = []
    processing: list[Finding] = []
    documents: list[Finding] = []
    if card is not None:
        body = card.body[:500_000]
        for match in _DATASET_URL.finditer(body):
            if len(declared) >= 20:
                break
            if match.group(1) not in ids:
                line = _line_of(body, match.start(), card.body_offset)
                declared.append(Finding("dataset-linked", f"The card links dataset {match.group(1)}.",
                                        f"README.md#L{line}", FILE))
        for pattern, kind in ((_DATA_HEADING, "training-data-section"), (_DATA_SENTENCE, "training-data-described")):
            match = pattern.search(body)
            if match:
                line = _line_of(body, match.start(), card.body_offset)
                described.append(Finding(kind, f"The card describes its training data: \"{match.group(0).strip()[:100]}\".",
                                         f"README.md#L{line}", FILE))
        match = _PROCESSING.search(body)
        if match and described:
            line = _line_of(body, match.start(), card.body_offset)
            processing.append(Finding("processing-described", f"The card describes data processing ('{match.group(0)}').",
                                      f"README.md#L{line}", FILE))
        for pattern, kind in ((_DATASHEET, "datasheet"), (_PAPER, "paper-link")):
            match = pattern.search(body)
            if match:
                line = _line_of(body, match.start(), card.body_offset)
                documents.append(Finding(kind, f"The card refers to a {kind.replace('-', ' ')}: {match.group(0)[:100]}.",
                                         f"README.md#L{line}", FILE))
    return DataInformation(card is not None, declared, unobtainable, described, processing, documents, unchecked)


# -- probes (registered in auditor/probes/registry.py) -----------------------------------------------------------------
def _card_readable(ctx: ProbeContext) -> bool:
    return ctx.memo("readme", lambda: readme(ctx.evidence)) is not None


def probe_publishes_weights(ctx: ProbeContext) -> ProbeResult:
    if not ctx.evidence.files:
        return not_available("The repository's file list could not be read.")
    found = _weight_findings(ctx.evidence)
    if found:
        return true(found, found[0].detail, value=tuple(weight_files(ctx.evidence)))
    return false("No weight files are published in the repository.",
                 (Finding("no-weights", "No weight file in the repository's file list.", "siblings", HUB_FIELD),))


def probe_training_code_linked(ctx: ProbeContext) -> ProbeResult:
    links = _code_links(ctx.evidence)
    if links:
        return true(links, "Training code is linked from the card.")
    if _card_readable(ctx):
        return false("Training code is not linked from the card.")
    return not_available("The card could not be read to look for training code.")


def probe_inference_supported(ctx: ProbeContext) -> ProbeResult:
    found = _inference_findings(ctx.evidence)
    if found:
        return true(found, "Inference code or architecture is available.")
    if not ctx.evidence.files and not ctx.evidence.library_name:
        return not_available("Neither the library nor the file list could be read to look for inference support.")
    return false("No inference code or architecture found.")


def probe_model_card_published(ctx: ProbeContext) -> ProbeResult:
    if _card_readable(ctx):
        return true((Finding("model-card", "The repository has a readable model card.", "README.md", FILE),),
                    "The model card was read.")
    if ctx.evidence.files and "README.md" not in ctx.evidence.file_paths():
        return false("The repository has no model card.")
    return not_available("The model card could not be read.")


def probe_evaluation_results_reported(ctx: ProbeContext) -> ProbeResult:
    if ctx.evidence.card_data.get("model-index"):
        return true((Finding("evaluation-results", "The card's model-index reports evaluation results.",
                             "cardData.model-index", CARD_FIELD),), "Evaluation results are reported.")
    if ctx.evidence.card_data or _card_readable(ctx):
        return false("The card reports no evaluation results (model-index).")
    return not_available("The card metadata could not be read to look for evaluation results.")


def probe_access_gated(ctx: ProbeContext) -> ProbeResult:
    ev = ctx.evidence
    if not ev.gated:
        return false("Downloads are not gated.")
    fields_ = ev.card_data.get("extra_gated_fields")
    asks = f" asking for {', '.join(list(fields_)[:4])}" if isinstance(fields_, dict) and fields_ else ""
    gate = Finding("gated", f"Downloads are gated ({ev.gated} approval){asks}: each recipient must pass an access form.",
                   "gated", HUB_FIELD)
    return true((gate,), gate.detail)


def _data(ctx: ProbeContext) -> DataInformation:
    return ctx.memo("data", lambda: data_information(ctx.evidence))


def probe_training_data_listed(ctx: ProbeContext) -> ProbeResult:
    """Datasets named in metadata or linked from the card (whether or not they resolve)."""
    data = _data(ctx)
    named = data.declared + data.unchecked + data.unobtainable
    if named:
        return true(named, f"{len(named)} training dataset(s) are named.")
    if data.readable:
        return false("No training dataset is listed.")
    return not_available("The model card could not be read and no metadata lists training data.")


def probe_training_data_obtainable(ctx: ProbeContext) -> ProbeResult:
    """Every named dataset resolves: one that does not is false, one that could not be checked is not-available."""
    data = _data(ctx)
    if data.unobtainable:
        return false(f"{len(data.unobtainable)} declared dataset(s) do not resolve.", data.unobtainable)
    if data.unchecked:
        return not_available(f"{len(data.unchecked)} declared dataset(s) could not be checked.", data.unchecked)
    if data.declared:
        return true(data.declared, "Every listed training dataset can be obtained.")
    if data.readable:
        return false("No training dataset is listed, so none can be obtained.")
    return not_available("The model card could not be read and no metadata lists training data.")


def _card_probe(ctx: ProbeContext, found: list[Finding], yes: str, no: str, unread: str) -> ProbeResult:
    if found:
        return true(found, yes)
    return false(no) if _data(ctx).readable else not_available(unread)


def probe_training_data_described(ctx: ProbeContext) -> ProbeResult:
    return _card_probe(ctx, _data(ctx).described, "The card describes the training data.",
                       "The card does not describe the training data.",
                       "The model card could not be read to look for a description of the training data.")


def probe_data_processing_described(ctx: ProbeContext) -> ProbeResult:
    return _card_probe(ctx, _data(ctx).processing, "The card describes how the data was processed.",
                       "The card does not describe how the data was processed.",
                       "The model card could not be read to look for data processing.")


def probe_datasheet_linked(ctx: ProbeContext) -> ProbeResult:
    return _card_probe(ctx, [f for f in _data(ctx).documents if f.kind == "datasheet"],
                       "The card refers to a datasheet or data card.", "The card refers to no datasheet or data card.",
                       "The model card could not be read to look for a datasheet.")


def probe_paper_linked(ctx: ProbeContext) -> ProbeResult:
    return _card_probe(ctx, [f for f in _data(ctx).documents if f.kind == "paper-link"],
                       "The card links a paper.", "The card links no paper.",
                       "The model card could not be read to look for a paper.")
