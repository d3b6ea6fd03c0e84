"""What is published: weight formats, training and inference code, data information."""

from __future__ import annotations

import re
from functools import lru_cache

from auditor.bases import config_of
from auditor.card import SNAPSHOT_CARD_NOTE, card_read_in_full, card_value, compiled_from_pages, readme
from auditor.evidence import RepoEvidence
from auditor.probes import CARD_FIELD, FILE, HUB_FIELD, Finding, ProbeResult, false, not_available, true
from auditor.probes.card_reading import DataInformation, code_links
from auditor.probes.card_reading import data_information as read_data_information
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
_MODELING_CODE = re.compile(r"(^|/)modeling_[\w]+\.py$")


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
    """The model's own code linked from the card (rules in auditor/probes/card_reading.py)."""
    return code_links(evidence)


def _inference_findings(evidence: RepoEvidence) -> list[Finding]:
    out: list[Finding] = []
    library = evidence.library_name or card_value(evidence, "library_name")
    where = "library_name"
    if not isinstance(library, str) or library.lower() not in INFERENCE_LIBRARIES:
        # The Hub tags a repo with the library its files load with even when library_name is unset.
        library, where = next((t for t in evidence.tags if t.lower() in INFERENCE_LIBRARIES), None), "tags"
    if isinstance(library, str):
        out.append(Finding("inference-code", f"Runs with the open-source library '{library}'.", where, HUB_FIELD))
    modeling = sorted(p for p in evidence.file_paths() if _MODELING_CODE.search(p))
    if modeling:
        out.append(Finding("inference-code", f"The repository carries its own model code ({', '.join(modeling[:3])}).",
                           "siblings", HUB_FIELD))
    config = config_of(evidence)
    if config and (config.get("architectures") or config.get("model_type")):
        arch = ", ".join(map(str, config.get("architectures") or [config.get("model_type")]))[:120]
        out.append(Finding("architecture", f"config.json declares the architecture ({arch}).", "config.json", FILE))
    elif any(path in ("config.json", "params.json", "model_index.json") for path in evidence.file_paths()):
        out.append(Finding("architecture", "The repository carries an architecture configuration file.", "siblings",
                           HUB_FIELD))
    return out


def data_information(evidence: RepoEvidence) -> DataInformation:
    """Listing, obtainability and description of the training data (rules in auditor/probes/card_reading.py)."""
    return read_data_information(evidence)


# -- probes (registered in auditor/probes/registry.py) -----------------------------------------------------------------
def _card_readable(ctx: ProbeContext) -> bool:
    return ctx.memo("readme", lambda: readme(ctx.evidence)) is not None


def _absence_known(ctx: ProbeContext) -> bool:
    """Whether the card was read in full, so that something it does not say is absent (not merely unrecorded)."""
    return _card_readable(ctx) and card_read_in_full(ctx.evidence)


def _unread(ctx: ProbeContext, unreadable: str) -> str:
    """The true reason a card question stays open: a snapshot's fact sheet, or a card that could not be read."""
    if _card_readable(ctx) and not card_read_in_full(ctx.evidence):
        return SNAPSHOT_CARD_NOTE[0].upper() + SNAPSHOT_CARD_NOTE[1:] + "."
    return unreadable


def probe_publishes_weights(ctx: ProbeContext) -> ProbeResult:
    if not ctx.evidence.files:
        if compiled_from_pages(ctx.evidence):
            return not_available("The bundled snapshot records no file list for this model: no public page read "
                                 "showed it.")
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
    if _absence_known(ctx):
        return false("Training code is not linked from the card.")
    return not_available(_unread(ctx, "The card could not be read to look for training code."))


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
    if (ctx.evidence.card_data or _card_readable(ctx)) and card_read_in_full(ctx.evidence):
        return false("The card reports no evaluation results (model-index).")
    return not_available(_unread(ctx, "The card metadata could not be read to look for evaluation results."))


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
    return not_available(_unread(ctx, "The model card could not be read and no metadata lists training data."))


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
    return not_available(_unread(ctx, "The model card could not be read and no metadata lists training data."))


def _card_probe(ctx: ProbeContext, found: list[Finding], yes: str, no: str, unread: str) -> ProbeResult:
    if found:
        return true(found, yes)
    return false(no) if _data(ctx).readable else not_available(_unread(ctx, unread))


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


def data_passes(data: DataInformation) -> bool:
    """OSAID data information: every training dataset listed and obtainable, the data and its processing described."""
    return data.obtainable and bool(data.described) and bool(data.processing)


def probe_ancestors_data_disclosed(ctx: ProbeContext) -> ProbeResult:
    """A derivative's training data includes its bases': false when an ancestor read does not list, locate and
    describe its own training data (or its card was not read, so that cannot be checked)."""
    found = []
    for ancestor in ctx.ancestor_evidence:
        data = data_information(ancestor)
        if data_passes(data):
            continue
        rid = ancestor.repo_id
        detail = (f"{rid} does not list and describe obtainable training data." if data.readable
                  else f"The training data of {rid} could not be checked: its card was not read.")
        found.append(Finding("base-data-undisclosed", detail, f"lineage:{rid}", "lineage"))
    if found:
        first = found[0].location.removeprefix("lineage:")
        how = "is not disclosed" if "does not" in found[0].detail else "could not be checked (its card was not read)"
        return false(f"The training data of its base {first} {how}: a derivative's training data includes its "
                     "base's.", tuple(found[:3]))
    return true((), "Every ancestor read discloses its training data." if ctx.ancestor_evidence
                else "No ancestor to disclose training data.")
