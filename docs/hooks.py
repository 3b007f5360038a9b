"""MkDocs hook: the results page and its figures come from ``benchmarks/results/``, where the
results runner generates them, so the site serves the committed page itself, not a copy."""
import os

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
