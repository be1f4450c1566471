#!/usr/bin/env python3
"""Builds a Claude Code projects directory of about SIZE_MB by replicating real transcripts.

Each copy gets fresh ids, so dedupe does not collapse copies: every UUID (session ids, line
uuids, the session directory and file names) gets the copy number in its first group; agent file
names, message ids (msg_...) and request ids (req_...) get a suffix. Copies of one response within a copy
still share their ids, so the streamed-copy dedupe works as on real data. COPIES_PER_PROJECT copies
share a project directory, like one busy project, so the per-project dedupe state is what a real
project holds, and stays the same size as the corpus grows.

usage: make_corpus.py SOURCE_PROJECTS_DIR... OUT_DIR SIZE_MB
"""
import os
import re
import sys

COPIES_PER_PROJECT = 20
UUID = re.compile(rb"[0-9a-f]{8}(-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
IDS = re.compile(rb"((?:msg|req)_[0-9A-Za-z]+)")
UUID_S = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def load(sources):
    """(project slug, relative path, bytes) of every file under the source projects dirs."""
    files = []
    for src in sources:
        for slug in sorted(os.listdir(src)):
            base = os.path.join(src, slug)
            for root, _, names in os.walk(base):
                for n in sorted(names):
                    p = os.path.join(root, n)
                    with open(p, "rb") as f:
                        files.append((slug, os.path.relpath(p, base), f.read()))
    return files


def main():
    *sources, out, size_mb = sys.argv[1:]
    target = int(size_mb) << 20
    files = load(sources)
    written = 0
    copy = 0
    while written < target:
        tag = b"%08x" % copy
        stag = "%08x" % copy
        suffix = b"c%d" % copy
        for slug, rel, data in files:
            rel = UUID_S.sub(lambda m: stag + m.group(1), rel)
            rel = re.sub(r"(agent-[0-9a-z]+)", r"\1c%d" % copy, rel)  # flat agent files
            dest = os.path.join(out, "%s-b%d" % (slug, copy // COPIES_PER_PROJECT), rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            if rel.endswith(".jsonl"):
                data = UUID.sub(lambda m: tag + m.group(1), data)
                data = IDS.sub(lambda m: m.group(1) + suffix, data)
            with open(dest, "wb") as f:
                f.write(data)
            written += len(data)
        copy += 1
    print("%d copies, %d MB in %s" % (copy, written >> 20, out))


if __name__ == "__main__":
    main()
