"""The common LangChain RAG recipe, as the retrieval baseline of the eval's ablation table.

This is what most Chinese RAG projects ship (Langchain-Chatchat's defaults): the report text split by
RecursiveCharacterTextSplitter on Chinese separators into 750-character chunks with 150 overlap,
BM25Retriever over jieba.lcut_for_search tokens plus a Chroma vector store, fused by
EnsembleRetriever with weights 0.5/0.5, top 3. Its passages are fed to the project's own answering
step (Assistant.ask_with), so the ablation compares retrieval alone.
"""
from __future__ import annotations

from collections.abc import Sequence
from uuid import uuid4

import chromadb
import jieba
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_classic.retrievers import EnsembleRetriever
from langchain_community.retrievers import BM25Retriever
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from .assistant import Assistant
from .embed import Embedder
from .records import Chunk, Passage, ReportMeta

TOP_K = 3
CHUNK_SIZE = 750
CHUNK_OVERLAP = 150
SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "，", ""]
WEIGHTS = [0.5, 0.5]  # BM25, dense


class EmbedderEmbeddings(Embeddings):
    """LangChain Embeddings over the project's sentence-transformers model, so both sides embed alike.

    langchain-huggingface's HuggingFaceEmbeddings would load the same model a second time and is not
    a project dependency; this adapter is the few lines it would contribute.
    """

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.encode([text])[0].tolist()


class LangChainBaseline:
    """The recipe over the reports already in the assistant's store, held in memory for one eval run."""

    def __init__(self, assistant: Assistant) -> None:
        self.metas: dict[str, ReportMeta] = assistant.index.metas()
        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP,
                                                  separators=SEPARATORS, add_start_index=True)
        sources = sorted(self.metas)
        self.documents: list[Document] = splitter.create_documents(
            [assistant.index.document_text(s) for s in sources], metadatas=[{"source": s} for s in sources])
        for n, doc in enumerate(self.documents):
            doc.id = f"{doc.metadata['source']}#lc{n}"
        client = chromadb.EphemeralClient(ChromaSettings(anonymized_telemetry=False))
        self.vectorstore = Chroma(collection_name=f"langchain-baseline-{uuid4().hex}",
                                  embedding_function=EmbedderEmbeddings(assistant.embedder), client=client)
        self.vectorstore.add_documents(self.documents, ids=[d.id for d in self.documents])
        self._ensembles: dict[tuple[str, ...] | None, EnsembleRetriever] = {}

    def _ensemble(self, sources: Sequence[str] | None) -> EnsembleRetriever:
        """The recipe restricted to some reports (as when a user picks a knowledge base); built once per scope."""
        scope = tuple(sorted(sources)) if sources is not None else None
        if scope not in self._ensembles:
            docs = [d for d in self.documents if scope is None or d.metadata["source"] in scope]
            bm25 = BM25Retriever.from_documents(docs, preprocess_func=jieba.lcut_for_search, k=TOP_K)
            search_kwargs: dict = {"k": TOP_K}
            if scope is not None:
                search_kwargs["filter"] = {"source": {"$in": list(scope)}}
            dense = self.vectorstore.as_retriever(search_kwargs=search_kwargs)
            self._ensembles[scope] = EnsembleRetriever(retrievers=[bm25, dense], weights=WEIGHTS)
        return self._ensembles[scope]

    def search(self, query: str, sources: list[str] | None, k: int) -> list[Passage]:
        """Assistant's search signature; at most the recipe's top 3 whatever k asks for.

        The ensemble returns an order without scores, so a passage's score is 1/rank.
        """
        if sources is not None and not sources:
            return []
        docs = self._ensemble(sources).invoke(query)[: min(k, TOP_K)]
        return [Passage(self._chunk(doc), 1.0 / rank, rank) for rank, doc in enumerate(docs, 1)]

    def _chunk(self, doc: Document) -> Chunk:
        source, start = doc.metadata["source"], doc.metadata["start_index"]
        return Chunk(id=doc.id or "", source=source, text=doc.page_content, search_text=doc.page_content,
                     section="", start=start, end=start + len(doc.page_content), meta=self.metas[source])

    def close(self) -> None:
        """Drop the in-memory collection (the ephemeral Chroma system lives as long as the process)."""
        self.vectorstore.delete_collection()
