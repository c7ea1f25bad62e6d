"""Check a gettext catalog (.po) for untranslated, fuzzy and mismatched entries.

The portal's msgids are Thai (Thai is the default language), so the English UI exists only
through locale/en/LC_MESSAGES/django.po. polib is not a dependency: the .po format the
gettext tools write is simple enough to read here, and the test suite uses the same reader.

    python -m otop_portal.i18n_check locale/en/LC_MESSAGES/django.po

prints every problem and exits 1 if there is any.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"\s*$')
_CONTINUATION = re.compile(r'^"(.*)"\s*$')

# Python %-format (named or positional) and str.format placeholders; the translation must keep
# exactly the same ones or rendering raises or loses a value.
_PERCENT = re.compile(r"%(?:\([^)]+\))?[#0 +-]*\d*(?:\.\d+)?[sdioufrxXeEgGc%]")
_BRACES = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
# Thai letters; Thai digits (๐-๙) are left out because the English help text tells users
# they may type them. Quoted text (“...”) is left out too: it names headers and values that
# the department's Thai workbooks really contain.
_THAI = re.compile(r"[\u0e01-\u0e4f\u0e5a-\u0e7f]")
_QUOTED = re.compile(r"“[^”]*”")


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())

    @property
    def where(self) -> str:
        return self.references[0] if self.references else "?"


def _unquote(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(_ESCAPES.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def parse_po(text: str) -> list[Entry]:
    """Every entry of a .po file, the header included (msgid "")."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        entry = Entry(msgid="")
        target: tuple[str, int | None] | None = None
        seen_msgid = False
        for raw in lines:
            line = raw
            if line.startswith("#~"):
                entry.obsolete = True
                line = line[2:].lstrip()
            elif line.startswith("#,"):
                entry.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
                continue
            elif line.startswith("#:"):
                entry.references.extend(line[2:].split())
                continue
            elif line.startswith("#"):
                continue
            match = _KEYWORD.match(line)
            if match:
                keyword, index, value = match.groups()
                value = _unquote(value)
                if keyword == "msgctxt":
                    entry.msgctxt, target = value, ("msgctxt", None)
                elif keyword == "msgid":
                    entry.msgid, target, seen_msgid = value, ("msgid", None), True
                elif keyword == "msgid_plural":
                    entry.msgid_plural, target = value, ("msgid_plural", None)
                else:
                    n = int(index) if index is not None else 0
                    entry.msgstr[n], target = value, ("msgstr", n)
                continue
            match = _CONTINUATION.match(line)
            if match and target is not None:
                value = _unquote(match.group(1))
                name, n = target
                if name == "msgstr":
                    entry.msgstr[n] += value
                else:
                    setattr(entry, name, getattr(entry, name) + value)
                continue
            raise ValueError(f"cannot read this .po line: {raw!r}")
        if seen_msgid:
            entries.append(entry)
    return entries


def read_po(path: str | Path) -> list[Entry]:
    return parse_po(Path(path).read_text(encoding="utf-8"))


def placeholders(text: str) -> list[str]:
    found = [p for p in _PERCENT.findall(text) if p != "%%"]
    return sorted(found + _BRACES.findall(text))


def _compared(text: str, entry: Entry) -> list[str]:
    """The placeholders that must survive translation. %-sequences count only in
    python-format entries: elsewhere nothing %-formats the text, so "% of target" is fine."""
    if "python-format" in entry.flags:
        return placeholders(text)
    return sorted(_BRACES.findall(text))


def _format_error(text: str, source: str) -> str | None:
    """Why %-formatting `text` with the names of `source` would fail, or None."""
    names = re.findall(r"%\(([^)]+)\)", source)
    positional = [p for p in _PERCENT.findall(source) if p != "%%" and "(" not in p]
    try:
        if names:
            text % dict.fromkeys(names, 0)
        else:
            text % ((0,) * len(positional))
    except (KeyError, ValueError, TypeError) as error:
        return str(error)
    return None


def problems(entries: list[Entry], *, source_has_thai: bool = True) -> list[str]:
    """Human-readable problems: untranslated, fuzzy, placeholders changed, Thai left behind.

    The last check applies to a catalog translating Thai into another language: a msgstr
    that still holds Thai letters was most likely copied, not translated.
    """
    found = []
    for e in entries:
        if e.is_header or e.obsolete:
            continue
        label = f"{e.where}: {e.msgid!r}"
        if not e.translated:
            found.append(f"{label} is not translated")
            continue
        if "fuzzy" in e.flags:
            found.append(f"{label} is marked fuzzy")
        for n, text in sorted(e.msgstr.items()):
            source = e.msgid if n == 0 or e.msgid_plural is None else e.msgid_plural
            if _compared(text, e) != _compared(source, e) and not (
                # An English singular may drop a count the Thai repeats ("1 item").
                e.msgid_plural is not None
                and n == 0
                and set(_compared(text, e)) <= set(_compared(source, e))
            ):
                found.append(f"{label}: msgstr[{n}] {text!r} changes the placeholders")
            if "python-format" in e.flags and (error := _format_error(text, source)):
                found.append(f"{label}: msgstr[{n}] {text!r} cannot be %-formatted: {error}")
            if source_has_thai and _THAI.search(_QUOTED.sub("", text)):
                found.append(f"{label}: msgstr[{n}] {text!r} still holds Thai letters")
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-3].strip(), file=sys.stderr)
        return 2
    entries = read_po(argv[0])
    found = problems(entries)
    for line in found:
        print(line)
    count = sum(1 for e in entries if not e.is_header and not e.obsolete)
    print(f"{count} entries, {len(found)} problems", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
