"""LangChain adapter: the assistant's routed hybrid search as a BaseRetriever, for use in other chains."""
from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever


class ReportRetriever(BaseRetriever):
    """Returns the top-k passages as Documents whose metadata carries the citation fields."""

    assistant: Any
    k: int = 5
    filters: dict | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        passages = self.assistant.search(query, self.k, self.filters)
        return [
            Document(
                page_content=p.chunk.text,
                metadata={"source": p.chunk.source, "title": p.chunk.meta.title, "region": p.chunk.meta.region,
                          "year": p.chunk.meta.year, "section": p.chunk.section, "start": p.chunk.start,
                          "end": p.chunk.end, "score": p.score, "chunk_id": p.chunk.id},
            )
            for p in passages
        ]
