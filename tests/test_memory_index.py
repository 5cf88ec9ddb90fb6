import json
import multiprocessing
import os
import time

import pytest
from memory_helpers import write_memory

from zsvad.backends.fakes import FakeTextEmbedder, RecordingTextEmbedder
from zsvad.config.memory import MemoryConfig
from zsvad.errors import ConfigError, InputError
from zsvad.memory.index import load_indexes
from zsvad.memory.store import load_memory


def test_built_once_then_reused(tmp_path):
    mdir = write_memory(tmp_path / "m")
    emb = RecordingTextEmbedder()
    load_indexes(load_memory(str(mdir)), emb, MemoryConfig())
    assert len(emb.texts) == 2
    idx = load_indexes(load_memory(str(mdir)), emb, MemoryConfig())
    assert len(emb.texts) == 2  # from the disk cache
    assert idx["anomalous"].index.ntotal == 1


class SlowLogging(FakeTextEmbedder):
    """Embeds slowly and logs each call, so concurrent builds would overlap and show."""

    def __init__(self, log, **kw):
        super().__init__(**kw)
        self.log = log

    def embed_texts(self, texts):
        with open(self.log, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        time.sleep(0.3)
        return super().embed_texts(texts)


def _load_in_process(mdir, log, cache, queue):
    cfg = MemoryConfig(index_dir=str(cache), embed_cache=False)
    idx = load_indexes(load_memory(str(mdir)), SlowLogging(log), cfg)
    queue.put(idx["normal"].index.ntotal + idx["anomalous"].index.ntotal)


def test_processes_sharing_a_cache_build_the_index_once(tmp_path):
    mdir, log = write_memory(tmp_path / "m"), tmp_path / "calls.log"
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_load_in_process, args=(mdir, log, tmp_path / "idx", queue))
        for _ in range(3)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert sorted(queue.get(timeout=5) for _ in procs) == [2, 2, 2]
    assert len(set(log.read_text().split())) == 1  # one process embedded, the others loaded it


def test_rebuilt_when_memory_or_embedder_changes(tmp_path):
    mdir = write_memory(tmp_path / "m")
    emb = RecordingTextEmbedder()
    load_indexes(load_memory(str(mdir)), emb, MemoryConfig())
    write_memory(mdir, extra="a car explodes")
    idx = load_indexes(load_memory(str(mdir)), emb, MemoryConfig())
    # rebuilt; the embedding cache (memory.embed_cache) embeds only the new caption
    assert len(emb.texts) == 3 and idx["anomalous"].index.ntotal == 2
    other = RecordingTextEmbedder(model="other-model")
    load_indexes(load_memory(str(mdir)), other, MemoryConfig())
    assert len(other.texts) == 3  # another embedder, another index


def test_user_extra_files_rebuild(tmp_path):
    mdir = write_memory(tmp_path / "m")
    extra = tmp_path / "site.jsonl"
    extra.write_text(json.dumps({"text": "forklifts move pallets", "label": "normal"}) + "\n")
    mem = load_memory(str(mdir), [str(extra)])
    assert mem.entries[-1].source == "user"
    assert mem.content_hash != load_memory(str(mdir)).content_hash
    idx = load_indexes(mem, FakeTextEmbedder(), MemoryConfig())
    assert idx["normal"].index.ntotal == 2


def test_explicit_index_of_other_embedder_is_refused(tmp_path):
    mdir = write_memory(tmp_path / "m")
    cfg = MemoryConfig(index_path=str(tmp_path / "idx"))
    load_indexes(load_memory(str(mdir)), FakeTextEmbedder(model="a"), cfg)
    with pytest.raises(ConfigError) as err:
        load_indexes(load_memory(str(mdir)), FakeTextEmbedder(model="b"), cfg)
    msg = str(err.value)
    assert "meta.json" in msg and "embedder_model" in msg and "'a'" in msg and "'b'" in msg


def test_bad_memory_files(tmp_path):
    mdir = tmp_path / "m"
    mdir.mkdir()
    (mdir / "captions.jsonl").write_text('{"text": "x y", "label": "weird"}\n')
    with pytest.raises(InputError, match=r"captions.jsonl:1: label must be one of"):
        load_memory(str(mdir))
    (mdir / "captions.jsonl").write_text('{"text": "x y", "label": "normal"}\n')
    with pytest.raises(InputError, match="no 'anomalous' captions"):
        load_memory(str(mdir))
    with pytest.raises(InputError, match="no memory named 'nope'"):
        load_memory("nope")
