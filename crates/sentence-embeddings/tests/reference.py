"""The reference embeddings: sentence-transformers' own pipeline over the same model files.
Reads a JSON list of texts on stdin, prints a JSON list of vectors (normalised, as the
model's modules.json asks). Usage: reference.py <model-dir>"""
import json
import os
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
from sentence_transformers import SentenceTransformer  # noqa: E402

model = SentenceTransformer(sys.argv[1], device="cpu")
texts = json.load(sys.stdin)
vectors = model.encode(texts, batch_size=16, convert_to_numpy=True)
json.dump([[float(x) for x in v] for v in vectors], sys.stdout)
