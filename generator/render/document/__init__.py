"""What each PDF says: the city bulletin and the unit reports as JSON-ready documents.

This package decides *what* each document says (sections, sentences, tables, all numbers
formatted as the website formats them); the Typst templates (site_templates/pdf/) decide how it
looks, and generator/render/pdf.py compiles them.
"""

from generator.render.document.bulletin import bulletin_document, fill_charts
from generator.render.document.nodes import Assets, Doc
from generator.render.document.report import report_document, report_units

__all__ = ["Assets", "Doc", "bulletin_document", "fill_charts", "report_document", "report_units"]
