"""Stream the elements of a top-level JSON array, or of an array under a key, from a file.

DCH-1 and Zendesk exports are single JSON documents; reading them whole would make memory
grow with the file. This scanner tracks nesting depth and strings (with their escapes)
over fixed-size chunks and yields each element's bytes, unparsed: the worker processes
parse them. It jumps between structural characters with a compiled regex and over string
contents with ``bytes.find``, so its speed is set by C loops rather than a Python loop per
byte (it runs in the main process, where every microsecond limits the whole import).

It only splits: an element that is itself malformed JSON is yielded as it is and its
parser rejects it with a reason, so one bad record never hides the ones after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

CHUNK = 1 << 16
BOM = b"\xef\xbb\xbf"
_STRUCTURAL = re.compile(rb'[][{}",]')
# Plain runs and complete strings; stops at a bracket or a string the buffer cuts short.
_INSIDE = re.compile(rb'(?:[^][{}"]+|"[^"\\]*(?:\\.[^"\\]*)*")*', re.DOTALL)
_QUOTE, _BACKSLASH, _COMMA = 0x22, 0x5C, 0x2C
_OPEN, _CLOSE_ARRAY = b"[{", 0x5D


class TruncatedArray(Exception):
    """The file ended before the array's closing bracket."""

    def __init__(self, count: int, tail: bytes = b"") -> None:
        super().__init__(count)
        self.count = count  # elements yielded whole
        self.tail = tail  # the unfinished last element (possibly complete JSON)


class _Buffer:
    """The unconsumed tail of the file, refilled a chunk at a time."""

    def __init__(self, handle: BinaryIO) -> None:
        # read1 returns what is available (a pipe need not fill a whole chunk first).
        self._read = getattr(handle, "read1", handle.read)
        self.data = bytearray()

    def more(self) -> bool:
        chunk = self._read(CHUNK)
        if not chunk:
            return False
        self.data += chunk
        return True

    def string_end(self, pos: int) -> int:
        """Index just past the quote that closes the string whose body starts at ``pos``;
        -1 when the file ends first."""
        data = self.data
        while True:
            quote = data.find(b'"', pos)
            if quote < 0:
                pos = len(data)
                if not self.more():
                    return -1
                continue
            # The quote is escaped when an odd number of backslashes precede it. The
            # opening quote stops the walk back, so it never leaves the string.
            first = quote
            while data[first - 1] == _BACKSLASH:
                first -= 1
            if (quote - first) % 2 == 0:
                return quote + 1
            pos = quote + 1


def iter_array(handle: BinaryIO, key: bytes | None = None) -> Iterator[bytes]:
    """Yield the bytes of each element of the top-level array, or of the array under a
    top-level ``key`` of an object (found wherever it stands in the document).

    Raises KeyError when the key is absent, ValueError when the document has another
    shape, TruncatedArray when it stops in the middle.
    """
    buffer = _Buffer(handle)
    start = _first_byte(buffer)
    if start < 0:
        raise ValueError("the file is empty")
    first = buffer.data[start]
    if first == ord("[") and key is None:
        yield from _elements(buffer, start + 1)
        return
    if first != ord("{") or key is None:
        raise ValueError(f"the document is not a JSON {'array' if key is None else 'object'}")
    after = _seek_key(buffer, start + 1, key)
    if after < 0:
        raise KeyError(key.decode())
    yield from _elements(buffer, after)


def _first_byte(buffer: _Buffer) -> int:
    """Index of the first byte that is not a byte-order mark or white space; -1 if none."""
    while True:
        data = bytes(buffer.data[: len(BOM)])
        skip = len(BOM) if data == BOM else 0
        text = buffer.data[skip:].lstrip()
        if text:
            return len(buffer.data) - len(text)
        if not buffer.more():
            return -1


def _seek_key(buffer: _Buffer, pos: int, key: bytes) -> int:
    """Scan a top-level object for ``"key": [``; the index just past '[', or -1."""
    wanted = b'"' + key + b'"'
    data = buffer.data
    depth = 0
    last_string = b""  # the latest string at depth 0: the key when a value follows
    while True:
        if depth:  # inside a value: only brackets matter (see _elements)
            pos = _INSIDE.match(data, pos).end()  # type: ignore[union-attr]
            found = pos < len(data)
        else:
            match = _STRUCTURAL.search(data, pos)
            found = match is not None
            pos = match.start() if match else len(data)
        if not found:
            del data[:pos]  # searched through: nothing before pos is needed any more
            pos = 0
            if not buffer.more():
                return -1
            continue
        char = data[pos]
        if char == _QUOTE:
            end = buffer.string_end(pos + 1)
            if end < 0:
                return -1
            if depth == 0:
                last_string = bytes(data[pos:end])
            pos = end
            continue
        if char in _OPEN:
            if depth == 0 and char == ord("[") and last_string == wanted:
                return pos + 1
            depth += 1
        elif char == _COMMA:
            if depth == 0:
                last_string = b""
        elif depth == 0:
            return -1  # the object closed without the key
        else:
            depth -= 1
        pos += 1


def _elements(buffer: _Buffer, pos: int) -> Iterator[bytes]:
    """Each element between ``pos`` (just past '[') and the matching ']'."""
    data = buffer.data
    depth = 0
    start = pos  # where the current element begins
    count = 0
    while True:
        if depth:
            # Inside an element only brackets matter: skip plain runs and whole strings.
            pos = _INSIDE.match(data, pos).end()  # type: ignore[union-attr]  # matches ""
            found = pos < len(data)
        else:
            match = _STRUCTURAL.search(data, pos)
            found = match is not None
            pos = match.start() if match else len(data)
        if not found:
            # Keep only the unfinished element, then read on.
            del data[:start]
            pos, start = pos - start, 0
            if not buffer.more():
                raise TruncatedArray(count, bytes(data[start:]).strip())
            continue
        char = data[pos]
        if char == _QUOTE:
            pos = buffer.string_end(pos + 1)
            if pos < 0:
                raise TruncatedArray(count, bytes(data[start:]).strip())
            continue
        if char in _OPEN:
            depth += 1
        elif char == _COMMA:
            yield bytes(data[start:pos]).strip()
            count += 1
            start = pos + 1
        elif depth > 0:
            depth -= 1
        elif char == _CLOSE_ARRAY:
            element = bytes(data[start:pos]).strip()
            if element or count:  # "[]" has no element; "[1,]" has an empty (bad) one
                yield element
            return
        # A stray '}' at depth 0 stays in the element, whose parser rejects it.
        pos += 1
