#!/usr/bin/env python3
"""Writes tlds.txt: the top-level domains of the ICANN section of the Public Suffix List.

The list comes from the `publicsuffixlist` package on PyPI, which ships the PSL and is
republished as the PSL changes (no web access is needed beyond the package registry):

    pip download --no-deps publicsuffixlist -d /tmp/psl && python3 make_tlds.py /tmp/psl/*.whl

Internationalised TLDs are listed as Unicode and as their xn-- A-label. `onion` is left out: it is a special-use name (RFC 7686), never a routable mail domain.
"""
import sys
import zipfile

SPECIAL_USE = {"onion"}


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as z:
        text = z.read("publicsuffixlist/public_suffix_list.dat").decode("utf-8")
    version = next(l.split(":", 1)[1].strip() for l in text.splitlines() if l.startswith("// VERSION:"))
    commit = next(l.split(":", 1)[1].strip() for l in text.splitlines() if l.startswith("// COMMIT:"))
    icann = text.split("===BEGIN ICANN DOMAINS===")[1].split("===END ICANN DOMAINS===")[0]
    tlds = set()
    for line in icann.splitlines():
        line = line.strip()
        if not line or line.startswith("//") or line.startswith("!"):
            continue
        tlds.add(line.lstrip("*.").split(".")[-1].lower())
    tlds -= SPECIAL_USE
    # An internationalised TLD is written either way: as Unicode, and as its A-label.
    for tld in list(tlds):
        if not tld.isascii():
            tlds.add(tld.encode("idna").decode("ascii"))
    package = wheel.rsplit("/", 1)[-1].split("-")[1]
    with open("tlds.txt", "w", encoding="utf-8", newline="\n") as out:
        out.write(f"# Top-level domains: the ICANN section of the Public Suffix List (MPL-2.0),\n")
        out.write(f"# version {version}, commit {commit},\n")
        out.write(f"# from the publicsuffixlist {package} package. Refresh with make_tlds.py.\n")
        for tld in sorted(tlds):
            out.write(tld + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
