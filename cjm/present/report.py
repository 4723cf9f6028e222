"""The client report: executed notebooks rendered to HTML without code, plus a contents page.

``outputs/<engagement>/notebooks/NN_name.ipynb`` becomes
``outputs/<engagement>/report/NN_name.html``; ``report/index.html`` opens with the
executive summary (:mod:`cjm.present.summary`), then lists the maps, the workbooks and the
chapters as appendices, in the engagement's language (``language`` in the params). Chapters show
markdown and outputs only: code, prompts, cells tagged ``remove``, ``parameters`` or
``injected-parameters``, warnings (stderr) and progress-bar widgets are left out. The
pages load nothing from the internet, so the client can read them offline and print
them. Rendering the same notebooks twice gives the same bytes.

``python -m cjm.present.report ENGAGEMENT`` renders every executed notebook of an engagement,
writes its deck (``report/deck.pptx``, :mod:`cjm.present.deck`) and the contents page.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import html
import json
import multiprocessing
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

sys.modules.setdefault("rfc3987_syntax", None)  # an import of ~0.8 s nothing here uses (see cjm.core.runner)

import nbformat

from cjm.core.cache import content_key
from cjm.core.errors import CjmError
from cjm.core.files import write_atomic
from cjm.core.manifest import file_hash
from cjm.core.params import load_params
from cjm.core.paths import EngagementPaths
from cjm.core.publication import Publication, current, remove
from cjm.present.formats import format_date
from cjm.present.words import section

#: Cells with these tags are not shown to the client.
REMOVE_TAGS = ("remove", "parameters", "injected-parameters")


#: Shared by the chapters and the contents page: readable on screen and on paper.
CSS = """
:root { --jp-ui-font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif;
        --jp-content-font-family: var(--jp-ui-font-family); --jp-content-font-size1: 15px; }
body { font-family: var(--jp-ui-font-family); font-size: 15px;
       line-height: 1.5; color: #222; background: #fff; margin: 0; }
main, .cjm-page { max-width: 60rem; margin: 0 auto; padding: 1.5rem 2rem 3rem; }
nav.cjm-nav { margin-bottom: 1rem; font-size: 0.9rem; }
a { color: #0b5cad; }
h1 { font-size: 1.8rem; margin: 0.2rem 0 1rem; }
h2 { font-size: 1.35rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; }
.jp-RenderedHTMLCommon table { font-size: 0.85rem; }
img { max-width: 100%; height: auto; }
.cjm-meta { color: #555; }
.cjm-toc { padding-left: 1.5rem; }
.cjm-appendices { list-style: none; padding-left: 0; }
.cjm-question { font-size: 1.05rem; padding: 0.6rem 1rem; border-left: 4px solid #0b5cad; background: #f3f6fa; }
.cjm-summary h3 { font-size: 1.05rem; margin: 1.2rem 0 0.3rem; }
.cjm-summary p, .cjm-summary ul, .cjm-summary ol { margin: 0.3rem 0; }
.cjm-summary li { margin: 0.15rem 0; }
a.cjm-num { text-decoration: none; border-bottom: 1px dotted #0b5cad; }
.cjm-files li { margin: 0 0 0.4rem; }
.cjm-toc li { margin: 0 0 0.9rem; }
.cjm-toc a { font-weight: bold; text-decoration: none; }
.cjm-toc p { margin: 0.15rem 0 0; color: #444; }
.cjm-privacy { margin-top: 2.5rem; padding: 0.75rem 1rem; border-left: 4px solid #0b5cad;
               background: #f3f6fa; font-size: 0.9rem; }
@media print {
  body { font-size: 11pt; }
  main, .cjm-page { max-width: none; padding: 0; }
  nav.cjm-nav { display: none; }
  a { color: inherit; text-decoration: none; }
  h1, h2, h3 { break-after: avoid; }
  img, table, .jp-OutputArea-output { break-inside: avoid; }
  .cjm-privacy { background: none; }
}
"""

# A lab-template page without the scripts it would fetch from a CDN, with the house CSS
# and a link back to the contents.
_CHAPTER_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}<style type="text/css">{{ resources.cjm_css }}</style>{%- endblock -%}
{%- block body_header -%}
{{ super() }}
<nav class="cjm-nav"><a href="index.html">{{ resources.cjm_back }}</a></nav>
{%- endblock body_header -%}
"""

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Chapter:
    """One executed notebook as the contents page lists it.

    Attributes
    ----------
    notebook : Path
        The executed notebook.
    title : str
        Its first markdown heading (the file name if it has none).
    description : str
        ``metadata.description`` of the notebook, else its first markdown paragraph.
    """

    notebook: Path
    title: str
    description: str

    @property
    def html_name(self) -> str:
        return self.notebook.with_suffix(".html").name


def _plain(markdown: str) -> str:
    """Markdown inline text as plain text on one line."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"\*+|`+|(?<!\w)_+|_+(?!\w)", "", text)
    return " ".join(text.split())


def _shown_markdown(nb) -> list[str]:
    """Markdown the reader sees: markdown cells and Markdown displayed by code cells."""
    shown = []
    for cell in nb.cells:
        if set(cell.get("metadata", {}).get("tags", [])) & set(REMOVE_TAGS):
            continue
        if cell.cell_type == "markdown":
            shown.append(cell.source)
        for output in cell.get("outputs", []):
            if "text/markdown" in output.get("data", {}):
                shown.append(output["data"]["text/markdown"])
    return shown


def _first_paragraph(markdown: list[str]) -> str:
    for src in markdown:
        for par in re.split(r"\n\s*\n", src):
            if text := _plain(_HEADING.sub("", par)):
                return text
    return ""


def _chapter(nb, ipynb_path: Path) -> Chapter:
    markdown = _shown_markdown(nb)
    title = next((_plain(m.group(1)) for src in markdown if (m := _HEADING.search(src))),
                 ipynb_path.stem)
    description = _plain(nb.metadata.get("description", "")) or _first_paragraph(markdown)
    if len(description) > 200:
        description = description[:200].rsplit(" ", 1)[0] + " …"
    return Chapter(ipynb_path, title, description)


def read_chapter(ipynb_path: str | Path) -> Chapter:
    """Title and one-line description of an executed notebook.

    Parameters
    ----------
    ipynb_path : str or Path
        The notebook.

    Returns
    -------
    Chapter
    """
    return _chapter(_read(ipynb_path), Path(ipynb_path))


def _read(ipynb_path: Path):
    try:
        return nbformat.read(ipynb_path, as_version=4)
    except (OSError, ValueError) as err:
        raise CjmError(f"{ipynb_path}: cannot read the notebook ({err})",
                       "rerun the step that writes it (make all)") from err


def _check_executed(ipynb_path: Path, nb) -> None:
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                raise CjmError(f"{ipynb_path}: the notebook stopped with {out.get('ename')}",
                               "fix the error and rerun the step (make all) before the report")


def render_notebook(ipynb_path: str | Path, html_path: str | Path, *,
                    language: str = "en") -> Path:
    """Render one executed notebook to client HTML without code.

    Parameters
    ----------
    ipynb_path : str or Path
        The executed notebook.
    html_path : str or Path
        Where the page goes; written atomically (a temporary file, then a rename).
    language : {"en", "ru"}
        Language of the page's own words (``<html lang>``, the link to the contents).

    Returns
    -------
    Path
        ``html_path``.

    Raises
    ------
    CjmError
        If the notebook cannot be read or stopped with an error.
    """
    ipynb_path, html_path = Path(ipynb_path), Path(html_path)
    nb = _read(ipynb_path)
    _check_executed(ipynb_path, nb)
    nb.metadata["title"] = _chapter(nb, ipynb_path).title
    body, _ = _exporter(language).from_notebook_node(
        nb, resources={"cjm_css": CSS, "cjm_back": section(language, "report")["back"]})
    return write_atomic(body.encode("utf-8"), html_path)


@functools.cache
def _exporter(language: str):
    """The exporter (nbconvert's ``HTMLExporter``) of a language's chapter pages, set up (and its
    templates compiled) once a run. nbconvert is imported here, by the process that renders the
    pages, not by the one :func:`build_report` forks for the deck."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

    from cjm.present.narrative import is_consultant_note

    class ClientOutputs(Preprocessor):
        """Drop outputs that are not for the client: stderr (warnings, tqdm), widgets and notes
        for the consultant (:func:`cjm.present.narrative.consultant_note`)."""

        def preprocess(self, nb, resources):
            nb.metadata.pop("widgets", None)
            return super().preprocess(nb, resources)

        def preprocess_cell(self, cell, resources, index):
            if cell.cell_type == "code":
                cell.outputs = [
                    out for out in cell.outputs
                    if not (out.output_type == "stream" and out.get("name") == "stderr")
                    and "application/vnd.jupyter.widget-view+json" not in out.get("data", {})
                    and not is_consultant_note(out)
                ]
            return cell, resources

    exporter = HTMLExporter(
        template_name="lab", template_file="cjm_chapter.html.j2",
        extra_loaders=[DictLoader({"cjm_chapter.html.j2": _CHAPTER_TEMPLATE})],
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        language_code=language,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=set(REMOVE_TAGS)),
                                   enabled=True)
    exporter.register_preprocessor(ClientOutputs(), enabled=True)
    return exporter


def _paths(engagement: str, root: Path | None) -> EngagementPaths:
    return EngagementPaths(engagement, root) if root else EngagementPaths(engagement)


def executed_notebooks(engagement: str, root: Path | None = None) -> list[Path]:
    """The engagement's executed notebooks ``outputs/<e>/notebooks/NN_name.ipynb``, in order.

    Raises
    ------
    CjmError
        If there are none.
    """
    folder = _paths(engagement, root).outputs / "notebooks"
    notebooks = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise CjmError(f"no executed notebooks (NN_name.ipynb) in {folder}",
                       f"run the pipeline first: make all ENGAGEMENT={engagement}")
    return notebooks


def _links(folder: Path, stem: str) -> str:
    """Links to the files ``stem``.html/.png/.pdf/.svg that exist in the report's ``folder``."""
    return " · ".join(f'<a href="{folder.name}/{stem}{suffix}">{suffix[1:].upper()}</a>'
                      for suffix in (".html", ".png", ".pdf", ".svg") if (folder / f"{stem}{suffix}").exists())


#: The workbooks a report may hold, in the order the contents page lists them: the maps'
#: first, then by chapter (each described in the catalogue's ``report.workbooks``).
WORKBOOKS = ("journey_maps", "tables", "segment_profiles", "sample_plan", "survey_results", "voice_of_customer",
             "funnel")


def _maps_section(report: Path, words: dict, language: str) -> str:
    """The contents' list of the maps 07 wrote (``journey_model.json``) and the lead journey
    scheme; empty before 07 has run."""
    from cjm.present.maps import from_json, map_stem, map_title

    model_file = report / "journey_model.json"
    if not model_file.exists():
        return ""
    items = [f"<li><b>{html.escape(map_title(m, language))}</b>: {_links(report / 'maps', map_stem(m))}</li>"
             for m in from_json(model_file)]
    if (report / "maps" / "lead_journey.png").exists():
        items.append(f"<li><b>{html.escape(words['lead'])}</b>: {_links(report / 'maps', 'lead_journey')}</li>")
    return (f'<h2 id="maps">{html.escape(words["maps"])}</h2>\n<p>{html.escape(words["maps_note"])}</p>\n'
            f'<ul class="cjm-toc">{"".join(items)}</ul>\n')


def _files_section(report: Path, words: dict) -> str:
    """The deck and every workbook of :data:`WORKBOOKS` in ``report``, linked, with what each
    holds; empty without one."""
    from cjm.present.deck import DECK_NAME

    files = [(DECK_NAME, words["deck"])] if current(report / DECK_NAME).exists() else []
    files += [(f"{name}.xlsx", words["workbooks"][name]) for name in WORKBOOKS if (report / f"{name}.xlsx").exists()]
    items = [f'<li><a href="{name}">{html.escape(described["title"])}</a>: {html.escape(described["about"])}</li>'
             for name, described in files]
    if not items:
        return ""
    return f'<h2 id="files">{html.escape(words["files"])}</h2>\n<ul class="cjm-files">{"".join(items)}</ul>\n'


def write_index(engagement: str, root: Path | None = None) -> Path:
    """Write ``report/index.html``: the report's first page.

    In order: the executive summary (:mod:`cjm.present.summary`: the question, segments,
    NPS, bottleneck, journeys and barriers, each number linked to its chapter), the maps of
    07 with their poster and page files (when 07 has run), the workbooks of ``report/``
    with what each holds, and the chapters as appendices, with links and a one-line
    description each (listed without numbers of their own: a chapter's title carries its
    step's number). Dated by the params' ``report_date``, else ``export_date``, else not
    at all (never the time of the run, so the same engagement gives the same bytes), with
    a note that the report holds no personal data, in the language of the params.

    Parameters
    ----------
    engagement : str
        Engagement name.
    root : Path, optional
        Project root (default: this project).

    Returns
    -------
    Path
        The index file.
    """
    from cjm.present.summary import report_dating, summary_of

    params = load_params(engagement, root)
    language = params["language"]
    words = section(language, "report")
    paths = _paths(engagement, root)
    notebooks = executed_notebooks(engagement, root)
    dating = report_dating(params)
    dated = f'<p class="cjm-meta">{words[dating[0]]}: {format_date(dating[1], language)}</p>\n' if dating else ""
    client = html.escape(params.get("client") or engagement)
    chapters = list(map(read_chapter, notebooks))
    items = []
    for chapter in chapters:
        line = f'<li><a href="{html.escape(chapter.html_name)}">{html.escape(chapter.title)}</a>'
        if chapter.description:
            line += f"<p>{html.escape(chapter.description)}</p>"
        items.append(line + "</li>")
    summary = summary_of(paths, params, {c.notebook.stem: c.html_name for c in chapters})
    page = f"""<!DOCTYPE html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{client}: {html.escape(words['report'])}</title>
<style type="text/css">{CSS}</style>
</head>
<body>
<div class="cjm-page">
<p class="cjm-meta">{client}</p>
<h1>{html.escape(words['report'])}</h1>
{dated}<section class="cjm-summary">
{summary}</section>
{_maps_section(paths.report, words, language)}{_files_section(paths.report, words)}<h2 id="appendices">{html.escape(words['appendices'])}</h2>
<p>{html.escape(words['appendices_note'])}</p>
<ul class="cjm-toc cjm-appendices">
{chr(10).join(items)}
</ul>
<p class="cjm-privacy">{html.escape(words['privacy'])}</p>
</div>
</body>
</html>
"""
    return write_atomic(page.encode("utf-8"), paths.report / "index.html")


@functools.cache
def _renderer(notes: Path) -> str:
    """The key of the code that renders a page: this module's and what it imports, nbconvert.

    The modules it imports are found by parsing them (:func:`cjm.core.deps.closure`) only when
    one of them changed since ``notes/renderer.json`` noted their hashes: what they import is in
    them, so while they are the same, so are the modules."""
    from cjm.core.deps import closure

    note = notes / "renderer.json"
    files = None
    with contextlib.suppress(OSError, ValueError, AttributeError):
        noted = json.loads(note.read_text(encoding="utf-8"))
        if all(file_hash(Path(name)) == digest for name, digest in noted.items()):
            files = list(map(Path, noted))
    if files is None:
        files = sorted(closure({"cjm.present.report"}))
        write_atomic(json.dumps({str(path): file_hash(path) for path in files}), note, now=True)
    return content_key(*[path.read_bytes() for path in files], version("nbconvert"))


def chapter_page(paths: EngagementPaths, notebook: Path, language: str) -> Path:
    """The page of the executed ``notebook`` in ``report/``, rendered by :func:`render_notebook`
    unless the page there was rendered from the same notebook, language and renderer (this
    module's code and what it imports, nbconvert's version) and is as it was written: a run
    for one step's change renders that step's chapters again, not the others.
    ``data/<e>/cache/pages/<stem>.json`` notes each page's key and content hash."""
    page = paths.report / notebook.with_suffix(".html").name
    note = paths.cache / "pages" / f"{notebook.stem}.json"
    key = content_key(notebook.read_bytes(), language, _renderer(paths.cache / "pages"))
    with contextlib.suppress(OSError, ValueError):
        if json.loads(note.read_text(encoding="utf-8")) == {"key": key, "page": file_hash(current(page))}:
            return page
    render_notebook(notebook, page, language=language)
    write_atomic(json.dumps({"key": key, "page": file_hash(current(page))}), note, now=True)
    return page


def build_report(engagement: str, root: Path | None = None, deck_aside: bool = False) -> list[Path]:
    """Render every executed notebook of an engagement and write the contents page.

    Chapter pages in ``report/`` left over from notebooks that no longer exist are
    removed, so the client never gets a stale chapter.

    Parameters
    ----------
    engagement : str
        Engagement name.
    root : Path, optional
        Project root (default: this project).
    deck_aside : bool
        Write the deck and the contents page in a forked process while this one renders the
        chapters (the two take about as long, and nothing of one goes into the other).

    Returns
    -------
    list of Path
        The chapter pages in order, the deck (:mod:`cjm.present.deck`), then ``index.html``.
    """
    paths = _paths(engagement, root)
    params = load_params(engagement, root)
    notebooks = executed_notebooks(engagement, root)
    with (ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) if deck_aside
          else contextlib.nullcontext()) as aside:
        files = aside.submit(_deck_and_contents, engagement, root, paths, params) if aside else None
        pages = [chapter_page(paths, nb, params["language"]) for nb in notebooks]
        for stale in set(paths.report.glob("[0-9][0-9]_*.html")) - set(pages):
            remove(stale)
        files = files.result() if aside else _deck_and_contents(engagement, root, paths, params)
    return pages + files


def _deck_and_contents(engagement: str, root: Path | None, paths: EngagementPaths, params: dict) -> list[Path]:
    from cjm.present.deck import write_deck

    return [write_deck(paths, params), write_index(engagement, root)]


if __name__ == "__main__":  # python -m cjm.present.report ENGAGEMENT
    gc.freeze()  # the imports' objects live to the end: the collector need not walk them again, nor at the exit
    if len(sys.argv) != 2:
        print("usage: python -m cjm.present.report ENGAGEMENT", file=sys.stderr)
        sys.exit(2)
    try:
        with Publication(EngagementPaths(sys.argv[1]).root, sys.argv[1], "report"):  # all pages or none
            written = build_report(sys.argv[1], deck_aside=(os.cpu_count() or 1) > 1)
    except CjmError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    print(f"{len(written) - 2} chapters, the deck and the contents: {written[-1]}")
