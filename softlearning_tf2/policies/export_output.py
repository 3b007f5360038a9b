"""Where an export goes: checked before TensorFlow is imported."""
import os


class ExportError(Exception):
    """A problem with the export itself (output directory, format, ops): one line, exit 2."""


def check_output_dir(output_dir, overwrite=False):
    """Raises ``ExportError`` unless ``output_dir`` may be written."""
    if os.path.lexists(output_dir):
        if not os.path.isdir(output_dir) or os.path.islink(output_dir):
            raise ExportError(f"{output_dir} exists and is not a directory")
        if not overwrite:
            raise ExportError(f"{output_dir} already exists (pass --overwrite to replace it)")
    parent = os.path.dirname(os.path.abspath(output_dir))
    if os.path.exists(parent) and not os.path.isdir(parent):
        raise ExportError(f"{parent} is not a directory")
