"""A small structure-aware mutation fuzzer: mutated copies of real inputs, as a careless committer
or an attacker would write them.

Mutations work on lines and tokens as well as bytes, because the interesting failures are shapes
(a mapping become a scalar, a value nested a thousand deep, a line duplicated until it is huge, a
truncated file, a date that is not one), not random noise. Everything is driven by one
``random.Random``: a seed reproduces a run exactly.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

# Tokens that mean something to one of the formats we read, spliced in place of a word.
TOKENS: tuple[bytes, ...] = (
    b"{",
    b"}",
    b"[",
    b"]",
    b"(",
    b")",
    b"<",
    b">",
    b":",
    b": ",
    b"- ",
    b"---",
    b"...",
    b"&a",
    b"*a",
    b"<<: *a",
    b"!!timestamp",
    b"!!binary",
    b"!!python/object:os.system",
    b"!override",
    b"!reset",
    b"2001-13-45",
    b"2001-02-30 25:61:61.1234567 +99",
    b"~",
    b"null",
    b"true",
    b"-1e999",
    b"1e309",
    b"0x",
    b"NaN",
    b"99999999999999999999999999",
    b"${",
    b"${A:-${B:-${C}}}",
    b"{{ .Values.x }}",
    b"{{- if .Values.a }}",
    b"\\",
    b"\\\\\\\\\\\\\\\\",
    b'"',
    b"'",
    b"`",
    b"#",
    b"#---",
    b"\t",
    b"\r",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xc3\x28",
    b"\xe2\x80\xae",
    b"<!ENTITY x SYSTEM 'file:///etc/passwd'>",
    b"&x;",
    b"jdbc:postgresql://",
    b"mongodb://a:b@",
    b"postgres://u:p@h:5432/d?sslmode=disable",
    b"http://",
    b"../../../../etc/passwd",
    b"/etc/passwd",
    b"SELECT * FROM",
    b"CREATE TABLE",
    b"DROP TABLE",
    b"ALTER TABLE x DROP COLUMN",
    b"/*",
    b"*/",
    b"--",
    b"$$",
    b"BEGIN",
    b"END",
    b"import",
    b"def",
    b"class",
    b"func",
    b"=>",
    b"@",
    b"@Entity",
    b"@Table(name=",
    b"requests.get(",
    b"fetch(",
    b"new HttpClient(",
    b"service",
    b"message",
    b"rpc",
    b"model",
    b'"traceId"',
    b'"spans"',
    b'"resourceSpans"',
    b'"parentSpanId"',
    b'"timestamp"',
    b'"duration"',
    b"<script>alert(1)</script>",
)

_WORD = re.compile(rb"[A-Za-z0-9_.\-]+|[^A-Za-z0-9_.\-\s]")

Mutation = Callable[[random.Random, bytes, list[bytes]], bytes]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def flip_bytes(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def insert_token(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    at = rng.randint(0, len(data))
    return data[:at] + rng.choice(TOKENS) + data[at:]


def replace_word(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    words = list(_WORD.finditer(data))
    if not words:
        return insert_token(rng, data, _)
    word = rng.choice(words)
    return data[: word.start()] + rng.choice(TOKENS) + data[word.end() :]


def delete_span(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    if len(data) < 2:
        return data
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, min(64, len(data) - start)) :]


def truncate(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    return data[: rng.randint(0, len(data))]


def duplicate_lines(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    lines = _lines(data)
    start = rng.randrange(len(lines))
    block = lines[start : start + rng.randint(1, 6)]
    times = rng.choice((2, 2, 3, 10, 50)) if rng.random() < 0.95 else 400
    return b"\n".join(lines[:start] + block * times + lines[start:])


def swap_lines(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    lines = _lines(data)
    if len(lines) < 2:
        return data
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def reindent(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    """A line moved deeper or shallower: a mapping becomes a scalar, a list a mapping."""
    lines = _lines(data)
    i = rng.randrange(len(lines))
    if rng.random() < 0.5:
        lines[i] = b"  " * rng.randint(1, 4) + lines[i]
    else:
        lines[i] = lines[i].lstrip()
    return b"\n".join(lines)


def deepen(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    """Nest a value very deep, in the bracket style or the indentation style."""
    depth = rng.choice((50, 150, 300, 2000, 20000))
    at = rng.randint(0, len(data))
    if rng.random() < 0.7:
        opener, closer = rng.choice(((b"[", b"]"), (b"{", b"}"), (b"(", b")"), (b"{a:", b"}")))
        middle = opener * depth + (closer * depth if rng.random() < 0.5 else b"")
    else:  # indentation nesting grows quadratically in bytes: keep it to a few hundred levels
        middle = b"\n" + b"".join(b" " * i + b"k:\n" for i in range(min(depth, 400)))
    return data[:at] + middle + data[at:]


def long_scalar(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    """A word grown to kilobytes (a long scalar where a path or a name is expected)."""
    words = list(_WORD.finditer(data))
    if not words:
        return data + b"a" * 5000
    word = rng.choice(words)
    times = rng.choice((10, 100, 1000)) if rng.random() < 0.95 else 20000
    return data[: word.start()] + word.group() * times + data[word.end() :]


def splice(rng: random.Random, data: bytes, seeds: list[bytes]) -> bytes:
    other = rng.choice(seeds)
    return data[: rng.randint(0, len(data))] + other[rng.randint(0, len(other)) :]


def encode_oddly(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    text = data.decode("utf-8", errors="replace")
    choice = rng.randrange(4)
    if choice == 0:
        return text.encode("utf-16")
    if choice == 1:
        return text.encode("utf-16-le")
    if choice == 2:
        return b"\xef\xbb\xbf" + data
    return text.encode("latin-1", errors="replace")


MUTATIONS: tuple[Mutation, ...] = (
    flip_bytes,
    insert_token,
    insert_token,
    replace_word,
    replace_word,
    replace_word,
    delete_span,
    truncate,
    duplicate_lines,
    swap_lines,
    reindent,
    reindent,
    deepen,
    long_scalar,
    splice,
    encode_oddly,
)


def mutate(rng: random.Random, seeds: list[bytes], max_bytes: int = 256_000) -> bytes:
    """One mutated input: a seed with one to four mutations stacked."""
    data = rng.choice(seeds)
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
        data = rng.choice(MUTATIONS)(rng, data, seeds)
        if len(data) > max_bytes:
            data = data[:max_bytes]
    return data
