"""Write the shipped vectors of a bundled memory for the configured embedder.

    python scripts/ship_vectors.py [MEMORY] [--profile default]

Run after changing a bundled memory or the default embedder; the file goes to
``memory/<MEMORY>/vectors/<model>.npz`` (see zsvad/memory/shipped.py). Vectors come through the
embedding cache, so a machine that built the index before embeds nothing.
"""

import argparse
from pathlib import Path

from zsvad.configure import load_config
from zsvad.ids import file_stem
from zsvad.memory.embedcache import CachedEmbedder
from zsvad.memory.shipped import write_vectors
from zsvad.pipeline.core import Pipeline

parser = argparse.ArgumentParser()
parser.add_argument("memory", nargs="?", default="surveillance")
parser.add_argument("--profile", default="default")
args = parser.parse_args()
config = load_config(args.profile, [], [f"memory.name={args.memory}"])
pipeline = Pipeline(config)
memory, embedder = pipeline.memory, pipeline.text_embedder
texts = list(dict.fromkeys(e.text for e in memory.entries))
vecs = CachedEmbedder(embedder).embed_texts(texts)
name = file_stem(Path(embedder.info.model).name)
path = write_vectors(Path(memory.path) / "vectors" / f"{name}.npz", texts, vecs, embedder)
print(f"wrote {len(texts)} vectors to {path} ({path.stat().st_size / 1e6:.1f} MB)")
