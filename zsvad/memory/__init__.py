"""Caption memory: normal/anomalous captions, their FAISS index, and retrieval scoring."""
