"""A model card (Markdown) from a model folder's config and its recipe (`unspin model card`).

It leads with the intended use and the figures on articles no choice was made on (the
recipe's report-split figures, with their 95 % intervals, from the benchmark result the
recipe names), then the tuning-split figures labelled as such, what the folder holds, and
the recipe's steps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from unspin.recipes import ROOT, Recipe
from unspin.runtime.folder import WEIGHTS, ModelFolder
from unspin.runtime.provenance import saw_report

INTENDED_USE = (
    "Finds fragments of English news text that use one of the 14 propaganda techniques of the "
    "Propaganda Techniques Corpus (SemEval-2020 Task 11), names the technique, scores it and points at "
    "the words that weighed most. For reading closely: it flags rhetoric, not falsehood, and a highlighted "
    "span is a reason to look, not a verdict. Not for other languages or genres without adapting it "
    "(`unspin adapt`); rare techniques (Whataboutism, Thought-terminating Clichés, Black-and-White, "
    "Causal Oversimplification) are seldom right."
)


def _result(path: str) -> dict[str, Any] | None:
    file = ROOT / path if path else None
    return json.loads(file.read_text()) if file and file.is_file() else None


def figure_row(label: str, result: dict[str, Any]) -> str:
    """One table row: SI / TC / FLC F1 with their 95 % intervals, spans per gold span, ECE."""
    ci = result.get("ci95") or {}
    cells = []
    for task in ("si", "tc", "flc"):
        f1 = result[task]["f1"]
        low_high = ci.get(task)
        cells.append(f"{f1:.3f} [{low_high[0]:.3f}, {low_high[1]:.3f}]" if low_high else f"{f1:.3f} (none)")
    spans, ece = result.get("predicted_per_gold"), result.get("ece")
    cells += ["—" if spans is None else f"{spans:.2f}", "—" if ece is None else f"{ece:.3f}"]
    return f"| {label} | {' | '.join(cells)} |"


def _settings_line(config: dict[str, Any]) -> str:
    s = config.get("settings", {})
    keys = ("threshold", "seed_threshold", "word_level", "merge_gap", "flc_threshold", "second_threshold",
            "min_score", "hygiene")
    return ", ".join(f"`{k}` {json.dumps(s[k])}" for k in keys if k in s)


def _folder_lines(folder: ModelFolder) -> list[str]:
    c = folder.config
    lines = []
    if folder.is_fused:
        weights = c.get("weights")
        lines.append(f"- Fused ensemble of {', '.join(f'`{m}`' for m in c['fuse'])}, weights {weights}"
                     + (f", technique weights {c['technique_weights']}" if c.get("technique_weights") else "")
                     + (f", views {c['views']}" if c.get("views") else "") + ".")
        for member in folder.members:
            sub = ModelFolder.read(member)
            lines += [f"  - `{member.name}` ({sub.name}): " + _model_line(sub)]
    else:
        lines.append("- " + _model_line(folder))
    lines.append(f"- Decoding: {_settings_line(c)}.")
    calibration = c.get("settings", {}).get("calibration")
    if calibration:
        lines.append("- Calibration: centred isotonic maps fitted on the tuning split (`calibrate`).")
    return lines


def _model_line(folder: ModelFolder) -> str:
    c = folder.config
    parts = [f"base `{c.get('base')}`"]
    if c.get("layers"):
        parts.append(f"layers {c['layers']}")
    if c.get("delta_rank"):
        parts.append(f"low-rank delta {c['delta_rank']}")
    if c.get("int8_only"):
        channels = sum(map(len, c.get("int8_outliers", {}).values()))
        parts.append(f"int8 MatMuls matching {c['int8_only']} with {channels} outlier channels fp32")
    parts.append(f"backend `{c.get('backend', 'auto')}`")
    weights = folder.path / WEIGHTS
    if weights.is_file():
        parts.append(f"{WEIGHTS} {weights.stat().st_size / 1e6:.1f} MB")
    parts.append(f"saw_report {json.dumps(saw_report(folder.path))}")
    return ", ".join(parts)


def card(model: Path, recipe: Recipe | None) -> str:
    """The Markdown card of the model folder `model`, with `recipe` where one is known."""
    folder = ModelFolder.read(model)
    seen = saw_report(folder.path)
    figures = recipe.data.get("figures", {}) if recipe else {}
    out = [f"# {folder.name}", "", "## Intended use", "", INTENDED_USE, ""]
    out += ["## Figures on articles no choice was made on", ""]
    report = _result(figures.get("report", ""))
    header = ["| model | SI F1 [95 %] | TC F1 [95 %] | FLC F1 [95 %] | spans per gold span | ECE |",
              "|---|---|---|---|---|---|"]
    if report:
        saw = report.get("saw_report")
        out += [
            f"The report split (76 PTC articles). This model learnt from them (`saw_report` "
            f"{json.dumps(seen)}), so the figure is its recipe's, trained without them: "
            f"{figures.get('report_recipe', 'see the recipe')}; `{figures['report']}` "
            f"(`saw_report` {json.dumps(saw)} there).", "",
            *header, figure_row("recipe, report split", report), "",
        ]
    else:
        out += ["None recorded: this model trained on the report split and no run of its recipe without "
                "it has been scored.", ""]
    tuning = _result(figures.get("tuning", ""))
    if tuning:
        out += ["## Figures on the tuning split (optimistic)", "",
                "The 56 articles every threshold, weight and calibration map was chosen on; "
                f"`{figures['tuning']}`.",
                "", *header, figure_row("this model, tuning split", tuning), ""]
    out += ["## What the folder holds", "", *_folder_lines(folder), ""]
    if recipe:
        out += [f"## Recipe (`recipes/{recipe.path.name}`, `unspin model rebuild {recipe.tier}`)", "",
                recipe.summary, "", f"About {recipe.minutes / 60:.1f} hours on 2 cores:", ""]
        out += [f"{s.number}. `{s.run}`" + (f" (seed {s.seed})" if s.seed is not None else "")
                + (" — unverified: " + s.unverified if s.unverified else "") for s in recipe.steps]
        out.append("")
    return "\n".join(out)
