"""Replaces one marked section of bench/RESULTS.md, or appends it: the reporters that write a
section of their own (memory, Taylor, transforms) share this, and bench/report.py keeps them."""
import os
import re


def write_section(target, start, end, section):
    text = open(target).read() if os.path.exists(target) else ""
    if start in text:
        text = re.sub(re.escape(start) + ".*?" + re.escape(end) + "\n?", lambda m: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    open(target, "w").write(text)
