"""What the reporters that write a section of bench/RESULTS.md of their own (memory, Taylor,
transforms, loops) share: replacing one marked section, or appending it (bench/report.py keeps
them), and naming the machine's CPU."""
import os
import platform
import re


def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def write_section(target, start, end, section):
    text = open(target).read() if os.path.exists(target) else ""
    if start in text:
        text = re.sub(re.escape(start) + ".*?" + re.escape(end) + "\n?", lambda m: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    open(target, "w").write(text)
