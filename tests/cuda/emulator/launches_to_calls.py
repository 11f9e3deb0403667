#!/usr/bin/env python3
"""Rewrites a .cu file for the CPU emulation: every `kernel<<<grid, block, shared, stream>>> (args);`
becomes `emulated_launch (grid, block, [=] { kernel (args); });`, which C++ can compile. The
arguments are captured by value, as a GPU takes them at launch: a graph (emulator.cc) may
replay the launch after the launcher has returned.

usage: launches_to_calls.py FILE.cu > FILE.cc"""
import sys


def split_top_level(text):
    """Splits on commas outside parentheses and angle brackets."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "(<"
        depth -= char in ")>"
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return parts + [current.strip()]


def closing_paren(text, opening):
    depth = 0
    for index in range(opening, len(text)):
        depth += text[index] == "("
        depth -= text[index] == ")"
        if depth == 0:
            return index
    raise SystemExit("unbalanced parentheses after a launch")


def rewrite(source):
    out, position = [], 0
    while (launch := source.find("<<<", position)) >= 0:
        # The kernel expression starts after the previous statement or line break.
        start = max(source.rfind(token, 0, launch) for token in (";", "{", "}", "\n")) + 1
        while source[start].isspace():
            start += 1
        config_end = source.index(">>>", launch)
        grid, block = split_top_level(source[launch + 3:config_end])[:2]
        arguments_start = source.index("(", config_end)
        arguments_end = closing_paren(source, arguments_start)
        statement_end = source.index(";", arguments_end)
        out.append(source[position:start])
        out.append("emulated_launch (%s, %s, [=] { %s (%s); });" % (
            grid, block, source[start:launch], source[arguments_start + 1:arguments_end]))
        position = statement_end + 1
    out.append(source[position:])
    return "".join(out)


with open(sys.argv[1], encoding="utf-8") as cu_file:
    sys.stdout.write(rewrite(cu_file.read()))
