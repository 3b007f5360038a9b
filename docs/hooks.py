"""MkDocs hooks. The results page and its figures come from ``benchmarks/results/``, where the
results runner generates them, so the site serves the committed page itself, not a copy; and
formulas are converted to MathML at build time."""
import html
import os
import re

import latex2mathml.converter
from mkdocs.structure.files import File

RESULTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "benchmarks", "results")
PAGES = ("mujoco", "frontier")  # the results page's folders of CSVs and figures


def on_files(files, config):
    """Adds ``results/index.md`` (the results README) and each page folder's PNGs and CSVs."""
    files.append(File.generated(config, "results/index.md",
                                abs_src_path=os.path.join(RESULTS, "README.md")))
    for page in PAGES:
        for name in sorted(os.listdir(os.path.join(RESULTS, page))):
            if name.endswith((".png", ".csv")):
                files.append(File.generated(config, f"results/{page}/{name}",
                                            abs_src_path=os.path.join(RESULTS, page, name)))
    return files


# Math: pymdownx.arithmatex (generic mode) marks each formula; here it becomes MathML, which
# browsers draw without JavaScript or a CDN (the site reads the same offline).
INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.DOTALL)
DISPLAY = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.DOTALL)


def _mathml(latex, display, page):
    try:
        return latex2mathml.converter.convert(html.unescape(latex).strip(), display=display)
    except Exception as error:  # the build names the page and the formula, then fails
        raise ValueError(f"{page.file.src_path}: cannot convert {latex!r} to MathML: {error}")


def on_page_content(content, page, config, files):
    content = DISPLAY.sub(lambda match: _mathml(match.group(1), "block", page), content)
    return INLINE.sub(lambda match: _mathml(match.group(1), "inline", page), content)


def on_serve(server, config, builder):
    """``mkdocs serve`` rebuilds when the results runner re-renders the results page."""
    server.watch(RESULTS)
    return server
