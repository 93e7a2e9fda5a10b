"""Stream the elements of a top-level JSON array, or of an array under a key, from a file.

DCH-1 and Zendesk exports are single JSON documents; reading them whole would make memory
grow with the file. This scanner tracks nesting, strings and escapes over fixed-size chunks
and yields each element's bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

CHUNK = 1 << 16
_WS = b" \t\r\n"


class TruncatedArray(Exception):
    """The array ended before its closing bracket; carries how many elements came whole."""


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk


def iter_array(handle: BinaryIO, key: bytes | None = None) -> Iterator[bytes]:
    """Yield the bytes of each element of the top-level array, or of the array under
    a top-level ``key`` of an object (found wherever it stands in the document).

    Raises KeyError when the key is absent, ValueError when the document has another
    shape, TruncatedArray when it stops in the middle.
    """
    chunks = _chunks(handle)
    buffer = b""
    text = b""
    for chunk in chunks:
        buffer += chunk
        text = buffer.lstrip(b"\xef\xbb\xbf" + _WS)
        if text:
            break
    if not text:
        raise ValueError("the file is empty")
    first = text[:1]
    if first == b"[" and key is None:
        yield from _elements(text[1:], chunks)
        return
    if first != b"{" or key is None:
        shape = "array" if key is None else "object"
        raise ValueError(f"the document is not a JSON {shape}")
    rest = _seek_key(text[1:], chunks, key)
    if rest is None:
        raise KeyError(key.decode())
    yield from _elements(rest, chunks)


def _seek_key(buffer: bytes, chunks: Iterator[bytes], key: bytes) -> bytes | None:
    """Scan a top-level object for ``"key": [`` at depth 0; return the bytes after '['."""
    wanted = b'"' + key + b'"'
    depth = 0
    in_string = escaped = False
    string_start = 0
    last_key: bytes | None = None
    pos = 0
    while True:
        while pos < len(buffer):
            c = buffer[pos]
            if in_string:
                if escaped:
                    escaped = False
                elif c == 0x5C:
                    escaped = True
                elif c == 0x22:
                    in_string = False
                    if depth == 0:
                        last_key = buffer[string_start : pos + 1]
            elif c == 0x22:
                in_string = True
                string_start = pos
            elif c in (0x7B, 0x5B):
                if depth == 0 and c == 0x5B and last_key == wanted:
                    return buffer[pos + 1 :]
                depth += 1
            elif c in (0x7D, 0x5D):
                if depth == 0:
                    return None  # the object closed without the key
                depth -= 1
            elif c == 0x2C and depth == 0:
                last_key = None
            pos += 1
        keep = string_start if in_string else pos
        if last_key is not None and not in_string:
            keep = pos  # the key itself is kept in last_key
        buffer, pos = buffer[keep:], pos - keep
        string_start = 0 if in_string else string_start
        chunk = next(chunks, b"")
        if not chunk:
            return None
        buffer += chunk


def _elements(buffer: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    depth = 0
    in_string = escaped = False
    start: int | None = None
    pos = 0
    count = 0
    while True:
        while pos < len(buffer):
            c = buffer[pos]
            if in_string:
                if escaped:
                    escaped = False
                elif c == 0x5C:  # backslash
                    escaped = True
                elif c == 0x22:
                    in_string = False
            elif c == 0x22:
                in_string = True
                if start is None:
                    start = pos
            elif c in (0x7B, 0x5B):  # { [
                if start is None:
                    start = pos
                depth += 1
            elif c in (0x7D, 0x5D):  # } ]
                if depth == 0 and c == 0x5D:
                    if start is not None:
                        yield buffer[start:pos].rstrip()
                    return
                depth -= 1
            elif c == 0x2C and depth == 0:  # a comma between elements
                if start is not None:
                    yield buffer[start:pos].rstrip()
                    count += 1
                start = None
            elif start is None and c not in b" \t\r\n":
                start = pos
            pos += 1
        # Keep only the unfinished element, then read on.
        keep = start if start is not None else pos
        buffer, pos = buffer[keep:], pos - keep
        start = 0 if start is not None else None
        chunk = next(chunks, b"")
        if not chunk:
            raise TruncatedArray(count)
        buffer += chunk
