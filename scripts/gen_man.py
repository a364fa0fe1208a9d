#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the man page entitled(8) from the binary's own --help texts, so the two never differ:
the overview of `entitled --help`, then one section per command (`entitled COMMAND --help`),
then the files and environment of the packaged service.

Usage: scripts/gen_man.py ENTITLED_BINARY OUT.8 VERSION
"""
import subprocess
import sys

COMMANDS = ["serve", "migrate", "keys", "import", "backup", "export", "copy"]


def help_text(binary, *args):
    r = subprocess.run([binary, *args, "--help"], capture_output=True, text=True, timeout=30)
    return (r.stdout or r.stderr).rstrip("\n")


def roff(text):
    """Text as troff, kept as written (no filling): backslashes escaped, and a line that would
    read as a request (a leading dot or quote) protected."""
    out = []
    for line in text.split("\n"):
        line = line.replace("\\", "\\e")
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line)
    return "\n".join(out)


def main():
    binary, out, version = sys.argv[1:4]
    overview = help_text(binary)
    title, _, rest = overview.partition("\n")
    page = [
        f'.TH ENTITLED 8 "" "entitled {version}" "System Administration"',
        ".SH NAME",
        "entitled \\- " + roff(title.removeprefix("entitled: ").rstrip(".")),
        ".SH SYNOPSIS",
        ".B entitled",
        ".I COMMAND",
        "[\\fIOPTIONS\\fR]",
        ".SH DESCRIPTION",
        ".nf",
        roff(rest.strip("\n")),
        ".fi",
    ]
    for cmd in COMMANDS:
        page += [f".SH {cmd.upper()}", ".nf", roff(help_text(binary, cmd)), ".fi"]
    page += [
        ".SH FILES",
        ".TP",
        ".I /etc/default/entitled",
        "The environment of the packaged service (entitled.service): one ENTITLED_* variable per "
        "option above.",
        ".TP",
        ".I /var/lib/entitled",
        "The service's state: the SQLite store and its key file.",
        ".SH SEE ALSO",
        "systemctl(1), journalctl(1)",
        "",
    ]
    with open(out, "w") as f:
        f.write("\n".join(page))


if __name__ == "__main__":
    main()
