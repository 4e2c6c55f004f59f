"""Question answering over Chinese rule-of-law government reports (法治政府建设情况报告), with cited passages."""
from .assistant import Assistant
from .config import Settings
from .records import Answer, Chunk, Citation, Document, Passage, ReportMeta

__all__ = ["Answer", "Assistant", "Chunk", "Citation", "Document", "Passage", "ReportMeta", "Settings"]
__version__ = "0.1.0"
