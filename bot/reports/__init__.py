"""The yearly review report: the DOCX draft, its annex workbook and the charts."""
