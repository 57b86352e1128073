# Makes the sync fixtures: byte streams written by Breezy 3.3.2's smart-protocol
# framing (breezy.bzr.smart.repository._stream_to_byte_stream) from knit stores,
# groupcompress blocks, and expected.json, what Breezy itself reads back from each
# (_byte_stream_to_stream): the format name, and per substream the records'
# keys, parents and text sha1s in stream order.
#
# Run: PYTHONHASHSEED=0 /usr/bin/python3 test-fixtures/sync/make-fixtures.py
import json
import os

from breezy import osutils, transport
from breezy.bzr import groupcompress, knit, versionedfile
from breezy.bzr.groupcompress_repo import RepositoryFormat2a
from breezy.bzr.knitpack_repo import RepositoryFormatKnitPack1
from breezy.bzr.smart.repository import _byte_stream_to_stream, _stream_to_byte_stream

HERE = os.path.dirname(os.path.abspath(__file__))


def history(vf, prefix):
    """A small history with a merge, a ghost, a noeol text and an empty one."""
    base = [b"line %d of %s\n" % (i, b"-".join(prefix)) for i in range(40)]
    k = lambda name: prefix + (name,)
    vf.add_lines(k(b"r1"), [], base)
    vf.add_lines(k(b"r2"), [k(b"r1")], base[:10] + [b"changed\n"] + base[11:])
    vf.add_lines(k(b"r3"), [k(b"r1")], base + [b"side\n"])
    vf.add_lines(k(b"r4"), [k(b"r2"), k(b"r3"), k(b"ghost")], base[:10] + [b"changed\n"] + base[11:] + [b"side\n", b"no newline"])
    vf.add_lines(k(b"empty"), [k(b"r4")], [])


def knit_store(annotated, key_length):
    t = transport.get_transport_from_url("memory:///")
    mapper = versionedfile.PrefixMapper() if key_length == 2 else versionedfile.ConstantMapper("texts")
    vf = knit.make_file_factory(annotated, mapper)(t)
    prefixes = [(b"file-a",), (b"file-b",)] if key_length == 2 else [()]
    for p in prefixes:
        history(vf, p)
    return vf


def keys_of(vf):
    return sorted(vf.keys())


def write(name, substreams, fmt):
    data = b"".join(_stream_to_byte_stream(substreams, fmt))
    with open(os.path.join(HERE, name + ".bytestream"), "wb") as f:
        f.write(data)
    return data


def read_back(data):
    """What Breezy reads from the bytes: records with keys, parents and sha1s."""
    fmt, stream = _byte_stream_to_stream(iter([data[i:i + 100] for i in range(0, len(data), 100)]))
    out = []
    for substream, records in stream:
        target = knit.make_file_factory(False, versionedfile.PrefixMapper())(transport.get_transport_from_url("memory:///"))
        kinds = []
        order = []

        def seen(records):
            # groupcompress records work only while the stream is on them:
            # note each as it passes into the store.
            for r in records:
                kinds.append(r.storage_kind)
                order.append(r.key)
                yield r

        target.insert_record_stream(seen(records))
        sha1s = target.get_sha1s(order)
        parents = target.get_parent_map(order)
        out.append({
            "substream": substream,
            "kinds": kinds,
            "records": [
                {
                    "key": [e.decode("utf-8") for e in key],
                    "parents": None if parents[key] is None else [[e.decode("utf-8") for e in p] for p in parents[key]],
                    "sha1": sha1s[key].decode("ascii"),
                }
                for key in order
            ],
        })
    return {"format": fmt.network_name().decode("ascii"), "substreams": out}


def main():
    expected = {}
    plain = knit_store(False, 2)
    keys = keys_of(plain)
    data = write("knit-texts", [("texts", plain.get_record_stream(keys, "topological", False))], RepositoryFormatKnitPack1())
    expected["knit-texts"] = read_back(data)

    data = write("knit-closure", [("texts", plain.get_record_stream(keys, "topological", True))], RepositoryFormatKnitPack1())
    expected["knit-closure"] = read_back(data)

    annotated = knit_store(True, 2)
    data = write("annotated-knit-texts", [("texts", annotated.get_record_stream(keys_of(annotated), "topological", False))], RepositoryFormatKnitPack1())
    expected["annotated-knit-texts"] = read_back(data)

    # A 2a texts substream: groupcompress blocks (one per insert batch) and refs.
    gc = groupcompress.make_pack_factory(True, False, 2)(transport.get_transport_from_url("memory:///"))
    gc.insert_record_stream(plain.get_record_stream(keys, "topological", True))
    data = write("groupcompress-texts", [("texts", gc.get_record_stream(keys_of(gc), "groupcompress", False))], RepositoryFormat2a())
    expected["groupcompress-texts"] = read_back(data)
    groupcompress.cleanup_pack_group(gc)

    # Fulltext and chunked records in several substreams, as a 2a fetch sends revisions and signatures.
    revs = [
        versionedfile.FulltextContentFactory((b"rev-1",), (), None, b"revision one\n"),
        versionedfile.ChunkedContentFactory((b"rev-2",), ((b"rev-1",),), None, [b"revision ", b"two\n", b"no eol"]),
    ]
    sigs = [versionedfile.FulltextContentFactory((b"rev-1",), None, None, b"signature\n")]
    texts = [versionedfile.FulltextContentFactory((b"f\xc3\xa9", b"rev-1"), (), None, b"")]
    data = write("fulltext-substreams", [("texts", texts), ("revisions", revs), ("signatures", sigs)], RepositoryFormat2a())
    expected["fulltext-substreams"] = read_back_fulltexts(data)

    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


def read_back_fulltexts(data):
    fmt, stream = _byte_stream_to_stream(iter([data]))
    out = []
    for substream, records in stream:
        rs = []
        kinds = []
        for r in records:
            kinds.append(r.storage_kind)
            rs.append({
                "key": [e.decode("utf-8") for e in r.key],
                "parents": None if r.parents is None else [[e.decode("utf-8") for e in p] for p in r.parents],
                "sha1": osutils.sha_string(r.get_bytes_as("fulltext")).decode("ascii"),
            })
        out.append({"substream": substream, "kinds": kinds, "records": rs})
    return {"format": fmt.network_name().decode("ascii"), "substreams": out}


if __name__ == "__main__":
    main()
