"""Find where a `shell:` script uses its parameters, and refuse every use that could turn a value into code.

oncall never splices a value into the script: each parameter reaches bash as an environment
variable and bash expands `"${name}"` itself. That keeps a value one word of data, except where
bash (or a program it starts) evaluates text again: `eval`, `sh -c`, `source`, arithmetic
(`$(( ))`, `(( ))`, `let`, array subscripts, `[[ -eq ]]`, `${x:offset}`), `${!name}`, `${name@P}`,
an interpreter's program text (`awk "…"`, `python -c "…"`), a remote or nested command string
(`ssh host "…"`, `watch "…"`), or the program name itself. This small scanner follows bash's
quoting and nesting well enough to see those places, and refuses what it cannot follow.
A shell variable assigned from a parameter (`x="${v}"`) is followed like the parameter.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\+?=")
# After `${name`, these keep the value data (default, pattern removal, case, @Q quoting).
_SAFE_OPS = re.compile(r"(?:\}|:?[-=?+]|##?|%%?|//?|/#|/%|\^\^?|,,?|@[QULuK]\}|:[0-9 ]*(?::[0-9 ]*)?\})")
_KEYWORDS = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "{", "}", "!", "time", "in"}
_SHELLS = {"sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish", "csh", "tcsh", "busybox", "rbash"}
# Builtins that evaluate an argument as code, as arithmetic, or as a variable name (which bash
# may evaluate as an array subscript).
_CODE_BUILTINS = {"eval", "source", ".", "trap", "let", "alias", "bind", "complete", "compgen", "enable",
                  "builtin", "fc", "mapfile", "readarray", "read", "getopts", "unset", "declare", "typeset",
                  "local", "readonly", "export", "hash", "coproc"}
# Programs that join their arguments into a command string for another shell.
_COMMAND_STRING = {"ssh", "su", "runuser", "watch", "parallel", "script", "expect", "tmux", "screen", "at",
                   "batch", "rsh", "telnet"}
_INTERPRETERS = {"awk", "gawk", "mawk", "nawk", "sed", "gsed", "perl", "python", "python2", "python3", "ruby",
                 "node", "nodejs", "php", "lua", "tclsh", "Rscript", "jq", "yq", "osascript"}
_PROGRAM_FLAGS = re.compile(r"-[A-Za-z]*[ceEfx]\Z|--(?:eval|expression|command|file|exec)\Z")
_VALUE_FLAGS = {"-v", "-F", "--arg", "--argjson", "--slurpfile", "--rawfile", "-W", "-m", "-X", "-I", "-M", "-n"}
# Programs that run another program named by one of their arguments.
WRAPPERS = {"command", "builtin", "exec", "env", "nohup", "nice", "timeout", "stdbuf", "setsid", "chroot", "ionice",
             "taskset", "strace", "ltrace", "chrt", "unbuffer", "sudo", "doas", "xargs", "flock", "time", "busybox",
             "systemd-run", "nsenter", "unshare", "runcon", "firejail"}
_EXEC_OPTIONS = {"-exec", "-execdir", "-ok", "-okdir", "--exec", "--to-command", "--use-compress-program", "--rsh",
                 "--rsync-path", "--exec-command", "--pager", "--editor"}
_COMMAND_SETTING = re.compile(r"(?i)(proxycommand|localcommand|knownhostscommand|sshcommand|core\.pager|"
                              r"core\.editor|core\.fsmonitor|credential\.helper|\.textconv|diff\.external)\b")
_ARITH_TESTS = {"-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-v", "-R"}
# The patterns below are compiled once: the scanner runs for every shell: command of every runbook loaded.
_ATTRIBUTE_DECL = re.compile(r"\b(?:declare|typeset|local|readonly|export)((?:\s+-[A-Za-z]+)+)([^;&|\n]*)")
_EVAL_ATTRIBUTE = re.compile(r"-[A-Za-z]*[in]")
_DECLARED = re.compile(r"(?<![-\w])([A-Za-z_]\w*)")
_ARITH_NAME = re.compile(r"\$?\{?([A-Za-z_][A-Za-z0-9_]*)")
_SHORT_OPTION = re.compile(r"-[a-z]+")
_EXPANSION = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*")
_C_FLAG = re.compile(r"-[A-Za-z]*c[A-Za-z]*")
_I_FLAG = re.compile(r"-[a-zA-Z]*i[a-zA-Z]*")
_SINGLE_QUOTED_USE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_HEREDOC_USE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_HEREDOC_WORD = re.compile(r"""(['"]?)([A-Za-z0-9_.-]+)\1""")
_STDERR_REDIRECT = re.compile(r"2>>?.*")
_DEV_NULL = re.compile(r"(?:[0-9&]?>>?)?/dev/null")
_QUOTED = re.compile(r"""'[^']*'|"(?:\\.|[^"\\])*"|\\.""")
_SINGLE_QUOTED = re.compile(r"'[^']*'|\\.")
_NUMBER_OR_ARITH = re.compile(r"[0-9]+(?![\w])|\$\(\(")
_QUOTING = re.compile(r"""\\(.)|['"]""")
_WRAPPER_NUMBER = re.compile(r"[0-9.]+[smhd]?")
# Characters that no branch of _Scanner._list or _piece treats specially: a run of them is one piece of a word.
_PLAIN_RUN = re.compile(r"""[^\s;&|#()<>\[\]'"\\`$]+""")
_POSITIONAL = re.compile(r"\(\)\s*\{|\bfunction\s|\bset\s+--")


@dataclass(frozen=True)
class Use:
    name: str
    offset: int  # in the script
    token: str  # the text that names it, e.g. "${model}" or "$model"
    problem: str | None = None  # why this use is refused; None when it is safe

    def line(self, script: str) -> int:
        return script.count("\n", 0, self.offset) + 1


@dataclass
class _Level:
    """One command list (the script, a $(...) or a `...`): the simple command being read."""

    words: list[str] = field(default_factory=list)
    cur: list[str] | None = None
    uses: list[tuple[int, Use]] = field(default_factory=list)  # (word index, use)
    dbracket: bool = False
    depth: int = 0  # open ( ) of subshells and groups
    piped: Use | None = None  # a use upstream in this pipeline: its output may carry the value


class _Scanner:
    def __init__(self, script: str, params: Collection[str], derived: Collection[str]) -> None:
        self.s = script
        self.params = set(params)
        self.derived = set(derived) - self.params
        self.uses: list[Use] = []
        self.assigned: set[str] = set()
        self.confused = False
        # Variables given the integer (-i) or nameref (-n) attribute: bash evaluates what is later
        # assigned to them (as arithmetic, or as a variable name that may hold a subscript).
        self.sinks: list[str] = []
        self.arith_names: set[str] = set()  # every variable bash reads as arithmetic
        self.evaluating: set[str] = set()
        for m in _ATTRIBUTE_DECL.finditer(script):
            if _EVAL_ATTRIBUTE.search(m.group(1)):
                self.evaluating |= {w.group(1) for w in _DECLARED.finditer(m.group(2))}

    # -- recording ------------------------------------------------------------------------
    def _use(self, name: str, at: int, token: str, ctx: tuple[str, ...], level: _Level, problem: str | None,
             carried: bool = False) -> None:
        if (carried or name in self.derived) and "single" in ctx:
            return  # a shell variable inside '...' is not expanded
        if problem is None:
            problem = self._context_problem(name, ctx, carried)
        use = Use(name, at, token, problem)
        if level.cur is None:
            level.cur = []
        level.uses.append((len(level.words), use))

    def _context_problem(self, name: str, ctx: tuple[str, ...], carried: bool = False) -> str | None:
        real = name in self.params and not carried
        if "tick" in ctx:
            return "is inside backticks; use $(...) instead"
        if "heredoc" in ctx:
            return "is inside a here-document; pass it as an argument or with printf '%s' \"${name}\" | ... instead"
        if "arith" in ctx:
            return ("reaches arithmetic ($(( )), (( )), let or [ ] subscripts), where bash runs code hidden in "
                    "the value; compare it as text or check it with a pattern")
        if "brace" in ctx:
            return "is inside another ${...} expansion (a subscript or offset there is arithmetic); use it alone"
        if ctx[-1] in ("single", "ansi"):
            return f"is inside single quotes, where it stays literal; write \"${{{name}}}\" in double quotes"
        if real and ctx[-1] != "double":
            return f"is not inside double quotes, so bash would split and glob it; write \"${{{name}}}\""
        return None

    # -- the command a word belongs to ----------------------------------------------------
    def _end_word(self, level: _Level) -> None:
        if level.cur is not None:
            word = "".join(level.cur)
            level.words.append(word)
            level.cur = None
            if word == "[[" and len(level.words) == 1:
                level.dbracket = True

    def _end_command(self, level: _Level, pipe: bool = False) -> None:
        self._end_word(level)
        upstream = level.uses[0][1] if level.uses else level.piped
        if level.uses or level.words:
            self._judge(level.words, level.uses, level.piped)
        level.words, level.uses, level.dbracket = [], [], False
        level.piped = upstream if pipe else None

    def _judge(self, words: list[str], uses: list[tuple[int, Use]], piped: Use | None = None) -> None:
        plain = [_unquote(w) for w in words]
        ci = 0
        while ci < len(words):
            m = _ASSIGN.match(words[ci])
            if m:
                if any(wi == ci for wi, _ in uses):
                    self.assigned.add(m.group(1))
                    if m.group(1) in self.evaluating:
                        uses = [(wi, u if wi != ci or u.problem else Use(
                            u.name, u.offset, u.token, f"is assigned to {m.group(1)}, which has the integer or "
                            "nameref attribute (declare -i/-n), so bash evaluates it; drop the attribute")) for wi, u in uses]
                ci += 1
            elif plain[ci] in _KEYWORDS:
                ci += 1
            elif plain[ci] in ("for", "select", "case"):
                if ci + 1 < len(words) and any(wi > ci + 1 for wi, _ in uses):
                    self.assigned.add(plain[ci + 1])
                ci = len(words)  # a loop variable and its word list: data, like arguments
                break
            else:
                break
        cmd = plain[ci].rsplit("/", 1)[-1] if ci < len(words) else ""
        args = [p.rsplit("/", 1)[-1] for p in plain[ci:]]
        program_words = _program_words(cmd, plain, ci) if cmd in _INTERPRETERS else set()
        if _reads_bare_names(cmd, plain[ci:]):
            for wi in range(ci + 1, len(words)):
                text = words[wi] if cmd in ("let", "[[") else words[wi].partition("=")[2]  # declare -i x=v
                self.arith_names |= {n.group(1) for n in _ARITH_NAME.finditer(text)
                                     if not _SHORT_OPTION.fullmatch(n.group(0))}
                for m in _NAME.finditer(_EXPANSION.sub("", text)):
                    if m.group(0) in self.params or m.group(0) in self.derived:
                        uses = uses + [(wi, Use(m.group(0), -1, m.group(0),
                                                f"is read by {cmd} as arithmetic, where bash runs code hidden in "
                                                "the value; compare it as text instead"))]
        self._note_sink(cmd, words, plain, ci)
        writes = any(_OUTPUT_REDIRECT.search(_outside_quotes(w)) and not _harmless_redirect(words, k)
                     for k, w in enumerate(words))
        closes = bool(plain) and plain[0] in ("done", "}", "fi", "esac")
        for k, (wi, use) in enumerate(uses):
            if use.problem is None and writes:
                uses[k] = (wi, Use(use.name, use.offset, use.token, "reaches an output redirection (> file), "
                                   "where this check cannot follow what is written; pipe the output instead"))
            elif (use.problem is None and closes and wi > 0 and words[wi - 1].endswith("<<<")) or (
                    use.problem is None and closes and words[wi].startswith("<<<")):
                uses[k] = (wi, Use(use.name, use.offset, use.token, f"feeds the whole {plain[0]}-ended block "
                                   "through <<<, where this check cannot follow it; pass it to one command instead"))
        if piped is not None and ci < len(words) and cmd == "tee":
            self.uses.append(Use(piped.name, piped.offset, piped.token, "is piped into tee, which writes it to a "
                                 "file this check cannot follow"))
        if piped is not None and ci < len(words):
            # The value arrives on standard input: refused where an argument would be, or as a program.
            problem = self._command_problem(piped, len(words), ci, cmd, args, plain, set())
            if problem is None and cmd in _INTERPRETERS and not program_words and cmd not in ("awk", "sed", "jq"):
                problem = f"reaches {cmd}, which reads its program from its input"
            if problem is not None:
                self.uses.append(Use(piped.name, piped.offset, piped.token, f"is piped into {cmd}: {problem}"))
        for wi, use in uses:
            problem = use.problem
            if problem is None:
                problem = self._command_problem(use, wi, ci, cmd, args, plain, program_words)
            self.uses.append(Use(use.name, use.offset, use.token, problem))

    def _command_problem(self, use: Use, wi: int, ci: int, cmd: str, args: list[str], plain: list[str],
                         program_words: set[int]) -> str | None:
        if wi < ci:
            return None  # an assignment: no splitting, no evaluation
        if ci < len(plain) and _dynamic(plain, ci):
            return (f"reaches a command whose name comes from an expansion ({plain[ci]}); "
                    "write the program name literally")
        if wi == ci:
            return "names the program to run; a value must only ever be an argument"
        if cmd in _CODE_BUILTINS:
            return f"reaches {cmd}, which evaluates its arguments as code or as variable names"
        tests = _ARITH_TESTS if cmd == "[[" else {"-v", "-R"}
        if cmd in ("[[", "[", "test") and tests & set(plain[ci:]):
            return (f"reaches {cmd} with {', '.join(sorted(tests & set(plain[ci:])))}, which evaluates the value "
                    "as arithmetic or as a variable name, running code hidden in it; compare it as text with = instead")
        if cmd == "printf" and "-v" in plain[ci:]:
            return "reaches printf -v, which takes a variable name"
        if cmd == "env" and ({"-S", "--split-string"} & set(plain[ci:])):
            return "reaches env -S, which splits its argument into a command"
        shell = next((a for a in args if a in _SHELLS), None)
        if shell is not None:
            return (f"reaches a nested {shell} (e.g. {shell} -c), which runs text as a new script; "
                    "run the command directly in this script instead")
        nested = next((a for a in args if a in ("eval", "source", "let")), None)
        if nested is not None:
            return f"reaches {nested} through {cmd}, which evaluates it as code"
        if cmd in _COMMAND_STRING or (cmd in ("sudo", "doas") and {"-s", "-i", "--shell", "--login"} & set(args)):
            return (f"reaches {cmd}, which joins its arguments into a command string for another shell; "
                    "a value there becomes code")
        if cmd in WRAPPERS and wi == _wrapped_program(plain, ci):
            return f"names the program {cmd} runs; a value must only ever be an argument"
        if wi - 1 > ci and (plain[wi - 1] in _EXEC_OPTIONS or (cmd == "rsync" and plain[wi - 1] == "-e")):
            return f"is given to {plain[wi - 1]}, which runs it as a program"
        if wi < len(plain) and _COMMAND_SETTING.search(plain[wi]):
            return "sets an option that holds a command to run (ProxyCommand, core.sshCommand ...)"
        if wi in program_words:
            return (f"is part of {cmd}'s program text, where it would become code; pass it as a separate "
                    "argument the program reads (awk -v, sys.argv, jq --arg)")
        return None

    def _note_sink(self, cmd: str, words: list[str], plain: list[str], ci: int) -> None:
        """A command that runs text as code from an expansion, whatever the expansion holds.

        Taint cannot be followed through files, `read` loops or every variable; in a script that
        uses a parameter, these are refused even when no parameter is seen reaching them.
        """
        rest = words[ci + 1:]
        expands = [w for w in rest if "$" in _outside_single(w) or "`" in w]
        sink = None
        if cmd in ("eval", "source", ".", "trap") and expands:
            sink = f"{cmd} {expands[0]}"
        elif ci < len(plain) and _dynamic(plain, ci):
            sink = plain[ci]
        else:
            at = next((i for i in range(ci, len(plain)) if plain[i].rsplit("/", 1)[-1] in _SHELLS), None)
            if at is not None:
                after = plain[at + 1:]
                flagged = [i for i, a in enumerate(after) if _C_FLAG.fullmatch(a)]
                code = words[at + 2 + flagged[0]] if flagged and at + 2 + flagged[0] < len(words) else None
                if code is not None and ("$" in _outside_single(code) or "`" in code):
                    sink = f"{plain[at]} -c {code}"
                elif not flagged and all(a.startswith("-") for a in after):
                    sink = f"{plain[at]} reading its input"
        if sink is not None:
            self.sinks.append(sink)

    # -- scanning -------------------------------------------------------------------------
    def scan(self) -> list[Use]:
        levels = [_Level()]
        self._list(0, levels[0], ("top",), end=None)
        self._end_command(levels[0])
        if self.confused:
            why = "uses quotes, parentheses or a case statement this check cannot follow; simplify the line"
            return [Use(u.name, u.offset, u.token, u.problem or why) for u in self.uses]
        return self.uses

    def _list(self, i: int, level: _Level, ctx: tuple[str, ...], end: str | None) -> int:
        """Read a command list from i until `end` (')' or '`') or the end; return the index after it."""
        s, n = self.s, len(self.s)
        heredocs: list[tuple[str, bool]] = []
        while i < n:
            c = s[i]
            if end == ")" and c == ")" and level.depth == 0 and not level.dbracket:
                self._end_command(level)
                return i + 1
            if end == "`" and c == "`":
                self._end_command(level)
                return i + 1
            if c in " \t":
                self._end_word(level)
                i += 1
            elif c == "\n":
                self._end_command(level)
                i += 1
                for delim, strip in heredocs:
                    i = self._heredoc(i, delim, strip, level, ctx)
                heredocs = []
            elif c == "&" and (s.startswith("&>", i) or (i > 0 and s[i - 1] in "<>")):
                self._word(level).append(c)  # 2>&1, &>file: a redirection, not a separator
                i += 1
            elif c == "|" and not level.dbracket and not s.startswith("||", i):
                self._end_command(level, pipe=True)
                i += 2 if s.startswith("|&", i) else 1
            elif c in ";&|" and not level.dbracket:
                self._end_command(level)
                i += 2 if s.startswith(("||", "&&"), i) else 1
            elif c == "#" and level.cur is None:
                while i < n and s[i] != "\n":
                    i += 1
            elif s.startswith("((", i) and level.cur is None:
                self._word(level).append("((")
                i = self._until(i + 2, "))", level, ctx + ("arith",))
            elif c in "()" and not level.dbracket:
                if c == "(":
                    level.depth += 1
                elif level.depth:
                    level.depth -= 1
                else:
                    self.confused = True  # a case pattern or a stray parenthesis
                self._end_command(level)
                i += 1
            elif s.startswith("<<", i) and not s.startswith("<<<", i):
                i, found, strip = self._heredoc_word(i + 2)
                if found is None:
                    self.confused = True
                else:
                    heredocs.append((found, strip))
            elif c == "[" and level.cur is not None and not level.words and _NAME.fullmatch("".join(level.cur)):
                self._word(level).append("[")  # name[...]= : the subscript is arithmetic
                i = self._until(i + 1, "]", level, ctx + ("arith",))
            elif s.startswith("]]", i) and level.dbracket and level.cur is None:
                self._word(level).append("]]")
                level.dbracket = False
                i += 2
            elif plain := _PLAIN_RUN.match(s, i):  # what _piece would append one character at a time
                self._word(level).append(plain.group())
                i = plain.end()
            else:
                i = self._piece(i, level, ctx)
        if end is not None:
            self.confused = True
        return i

    def _word(self, level: _Level) -> list[str]:
        if level.cur is None:
            level.cur = []
        return level.cur

    def _piece(self, i: int, level: _Level, ctx: tuple[str, ...]) -> int:
        """One piece of a word outside quotes: a quote, an expansion, an escape or a character."""
        s = self.s
        c = s[i]
        word = self._word(level)
        if c == "\\":
            word.append(s[i:i + 2])
            return i + 2
        if c == "'":
            close = s.find("'", i + 1)
            if close < 0:
                self.confused = True
                close = len(s)
            word.append(s[i:close + 1])
            self._single(i + 1, close, level, ctx + ("single",))
            return close + 1
        if s.startswith("$'", i):
            j = i + 2
            while j < len(s) and s[j] != "'":
                j += 2 if s[j] == "\\" else 1
            if j >= len(s):
                self.confused = True
            word.append(s[i:j + 1])
            self._single(i + 2, min(j, len(s)), level, ctx + ("ansi",))
            return j + 1
        if c == '"' or s.startswith('$"', i):
            start = i + (2 if c == "$" else 1)
            j = self._double(start, level, ctx + ("double",))
            word.append(s[i:j])
            return j
        if c == "`":
            word.append("`")
            return self._list(i + 1, _Level(), ctx + ("tick",), end="`")
        if c == "$" or (c in "<>" and s.startswith("(", i + 1)):
            return self._dollar(i, level, ctx)
        word.append(c)
        return i + 1

    def _single(self, start: int, stop: int, level: _Level, ctx: tuple[str, ...]) -> None:
        """Inside '...': nothing expands, but a parameter written there is still reported."""
        for m in _SINGLE_QUOTED_USE.finditer(self.s[start:stop]):
            name = m.group(1) or m.group(2)
            if name in self.params or name in self.derived:
                self._use(name, start + m.start(), m.group(0), ctx, level, None)

    def _double(self, i: int, level: _Level, ctx: tuple[str, ...]) -> int:
        s, n = self.s, len(self.s)
        while i < n:
            c = s[i]
            if c == '"':
                return i + 1
            if c == "\\":
                i += 2
            elif c == "`":
                i = self._list(i + 1, _Level(), ctx + ("tick",), end="`")
            elif c == "$":
                i = self._dollar(i, level, ctx, in_double=True)
            else:
                i += 1
        self.confused = True
        return n

    def _dollar(self, i: int, level: _Level, ctx: tuple[str, ...], in_double: bool = False) -> int:
        s = self.s
        word = None if in_double else self._word(level)
        if s.startswith("$((", i):
            if word is not None:
                word.append("$((")
            return self._until(i + 3, "))", level, ctx + ("arith",))
        if s.startswith("$[", i):
            return self._until(i + 2, "]", level, ctx + ("arith",))
        if s.startswith("$(", i) or s.startswith("<(", i) or s.startswith(">(", i):
            if word is not None:
                word.append(s[i:i + 2])
            if "arith" in ctx:
                self.sinks.append("arithmetic on the output of $(...)")
            before = len(self.uses)
            end = self._list(i + 2, _Level(), ctx + ("sub",), end=")")
            if len(self.uses) > before:  # its output may carry the value: follow it like the value
                self._use(self.uses[before].name, i, s[i:end], ctx, level, None, carried=True)
            return end
        if s.startswith("${", i):
            return self._brace(i, level, ctx)
        m = _NAME.match(s, i + 1)
        if m and s[i] == "$":
            name = m.group(0)
            if "arith" in ctx:
                self.arith_names.add(name)
            if name in self.params or name in self.derived:
                self._use(name, i, s[i:m.end()], ctx, level, None)
            if word is not None:
                word.append(s[i:m.end()])
            return m.end()
        if m is None and i + 1 < len(s) and (s[i + 1].isdigit() or s[i + 1] in "@*") and "1" in self.derived:
            self._use("1", i, s[i:i + 2], ctx, level, None)  # a positional parameter may carry a value
        if word is not None:
            word.append(s[i:i + 2])
        return i + 2 if s[i] == "$" and i + 1 < len(s) else i + 1

    def _brace(self, i: int, level: _Level, ctx: tuple[str, ...]) -> int:
        """`${...}`: a parameter with a safe operator is data; anything inside is 'brace' context."""
        s = self.s
        j = i + 2
        bang = s.startswith("!", j)
        hash_ = s.startswith("#", j) and _NAME.match(s, j + 1) is not None
        m = _NAME.match(s, j + (1 if bang or hash_ else 0))
        if m is None and j < len(s) and (s[j].isdigit() or s[j] in "@*"):
            if "1" in self.derived:
                self._use("1", i, s[i:j + 1], ctx, level, None)
        elif m is not None:
            name = m.group(0)
            if name in self.params or name in self.derived:
                rest = s[m.end():]
                problem = None
                if bang:
                    problem = "is read indirectly (${!name}), which evaluates the value as a variable name"
                elif rest.startswith("@P"):
                    problem = "is expanded as a prompt (@P), which runs command substitutions in the value"
                elif rest.startswith("["):
                    problem = "is subscripted; a subscript is arithmetic, use the value alone"
                elif not hash_ and not _SAFE_OPS.match(rest):
                    problem = "has an operator this check does not know; use it alone"
                token_end = s.find("}", m.end()) + 1 if rest.startswith("}") else m.end()
                self._use(name, i, s[i:token_end], ctx, level, problem)
        close = self._until(m.end() if m is not None else j, "}", level, ctx + ("brace",))
        if level is not None and ctx[-1] != "double":
            self._word(level).append(s[i:close])
        return close

    def _until(self, i: int, closer: str, level: _Level, ctx: tuple[str, ...]) -> int:
        """Read expansions up to `closer` (balancing nested openers); return the index after it."""
        s, n = self.s, len(self.s)
        opener = {"))": "((", "]": "[", "}": "{"}[closer]
        depth = 0
        while i < n:
            c = s[i]
            if closer == "))" and c == "(":
                depth += 1
                i += 1
            elif closer == "))" and c == ")" and depth:
                depth -= 1
                i += 1
            elif s.startswith(closer, i) and depth == 0:
                return i + len(closer)
            elif s.startswith(closer, i):
                depth -= 1
                i += len(closer)
            elif c == "\\":
                i += 2
            elif c == "'":
                close = s.find("'", i + 1)
                if close < 0:
                    self.confused = True
                    return n
                self._single(i + 1, close, level, ctx + ("single",))
                i = close + 1
            elif c == '"':
                i = self._double(i + 1, level, ctx + ("double",))
            elif c == "`":
                i = self._list(i + 1, _Level(), ctx + ("tick",), end="`")
            elif c == "$":
                i = self._dollar(i, level, ctx, in_double=True)
            elif closer != "))" and s.startswith(opener, i):
                depth += 1
                i += len(opener)
            else:
                m = _NAME.match(s, i)
                if m and "arith" in ctx and (i == 0 or not (s[i - 1].isalnum() or s[i - 1] in "_$")):
                    self.arith_names.add(m.group(0))
                if m and ("arith" in ctx or "brace" in ctx) and (m.group(0) in self.params or m.group(0) in self.derived):
                    self._use(m.group(0), i, m.group(0), ctx, level, None)  # (( v > 3 )) reads v too
                i = m.end() if m else i + 1
        self.confused = True
        return n

    def _heredoc_word(self, i: int) -> tuple[int, str | None, bool]:
        s = self.s
        strip = s.startswith("-", i)
        i += 1 if strip else 0
        while i < len(s) and s[i] in " \t":
            i += 1
        m = _HEREDOC_WORD.match(s, i)
        if m is None:
            return i, None, strip
        return m.end(), m.group(2), strip

    def _heredoc(self, i: int, delim: str, strip: bool, level: _Level, ctx: tuple[str, ...]) -> int:
        s = self.s
        while i < len(s):
            end = s.find("\n", i)
            end = len(s) if end < 0 else end
            line = s[i:end]
            if (line.lstrip("\t") if strip else line) == delim:
                return end + 1
            for m in _HEREDOC_USE.finditer(line):
                if m.group(1) in self.params or m.group(1) in self.derived:
                    self.uses.append(Use(m.group(1), i + m.start(), m.group(0),
                                         self._context_problem(m.group(1), ctx + ("heredoc",))))
            i = end + 1
        return len(s)


def _reads_bare_names(cmd: str, words: list[str]) -> bool:
    """Commands whose arguments are arithmetic, where a bare `v` reads the variable's value as code."""
    if cmd == "let":
        return True
    if cmd == "[[":
        return bool(_ARITH_TESTS - {"-v", "-R"} & set(words))
    if cmd in ("declare", "typeset", "local", "readonly", "export"):
        return any(_I_FLAG.fullmatch(w) for w in words)
    return False


_OUTPUT_REDIRECT = re.compile(r"(?<![0-9&])>(?!&)|&>|[0-9]>(?!&)|>\(")


def _harmless_redirect(words: list[str], k: int) -> bool:
    """Error messages (2>...) and /dev/null keep nothing a later command could read back as code."""
    word = words[k]
    if _STDERR_REDIRECT.fullmatch(word):
        return True
    target = word.split(">")[-1] or (words[k + 1] if k + 1 < len(words) else "")
    return _DEV_NULL.fullmatch(target) is not None


def _quoted(word: str) -> bool:
    """Whether the word has a quote or a backslash: the patterns below match nothing in a word without."""
    return "'" in word or '"' in word or "\\" in word


def _outside_quotes(word: str) -> str:
    return _QUOTED.sub("", word) if _quoted(word) else word


def _outside_single(word: str) -> str:
    return _SINGLE_QUOTED.sub("", word) if _quoted(word) else word


def _literal_only(script: str, name: str) -> bool:
    """True when every assignment to `name` is a number or arithmetic: `i=0`, `i=$((i + 1))`, `(( i++ ))`."""
    assigned = re.findall(rf"(?<![\w$]){re.escape(name)}\+?=(\S*)", script)
    if any(not _NUMBER_OR_ARITH.match(a) for a in assigned):
        return False
    if re.search(rf"\b(?:read|mapfile|readarray|getopts|printf\s+-v)\b[^;&|\n]*\b{re.escape(name)}\b", script):
        return False
    return bool(assigned) or re.search(rf"\bfor\s+{re.escape(name)}\b", script) is None


def _dynamic(plain: list[str], ci: int) -> bool:
    """A command name that bash only knows after an expansion (`$e`, `ev${x}al`, `$(cmd)`)."""
    return "$" in plain[ci] or "`" in plain[ci]


def _unescaped(m: re.Match[str]) -> str:
    return m.group(1) or ""


def _unquote(word: str) -> str:
    """A word as bash would read a literal command name: quotes and backslashes removed."""
    return _QUOTING.sub(_unescaped, word) if _quoted(word) else word


def program_words(words: Sequence[str]) -> list[str]:
    """The words of the program a simple command really runs: leading assignments (X=1) and wrappers
    (sudo, env, timeout 30, nohup ...) looked through. `oncall lint` judges that program."""
    i = 0
    while i < len(words):
        if _ASSIGN.match(words[i]):
            i += 1
        elif words[i].rsplit("/", 1)[-1] in WRAPPERS:
            i = _wrapped_program(list(words), i)
        else:
            break
    return list(words[i:])


def _wrapped_program(plain: list[str], ci: int) -> int:
    """The index of the word a wrapper (timeout 5, env X=1, nice -n 10, sudo -u u) runs as a program."""
    i = ci + 1
    while i < len(plain) and (plain[i].startswith("-") or _ASSIGN.match(plain[i])
                              or _WRAPPER_NUMBER.fullmatch(plain[i])):
        i += 1
    return i


def _program_words(cmd: str, plain: list[str], ci: int) -> set[int]:
    """Indexes of the words an interpreter reads as program text."""
    flagged = {i + 1 for i in range(ci + 1, len(plain)) if _PROGRAM_FLAGS.match(plain[i])}
    if flagged:
        return flagged
    i = ci + 1
    while i < len(plain):
        if plain[i] == "--":
            return {i + 1}
        if plain[i].startswith("-"):
            i += 2 if plain[i] in _VALUE_FLAGS else 1
            i += 1 if plain[i - 1] in ("--arg", "--argjson", "--slurpfile", "--rawfile") else 0
            continue
        return {i}
    return set()


def param_uses(script: str, params: Collection[str]) -> list[Use]:
    """Every use of a parameter in `script` (bash text), each with the reason it is refused, if any.

    Shell variables assigned from a parameter are followed too (up to a few hops), and the
    positional parameters are watched once the script defines a function or runs `set --`.
    """
    derived: set[str] = set()
    if _POSITIONAL.search(script):
        derived.add("1")
    for _ in range(5):
        scanner = _Scanner(script, params, derived)
        uses = scanner.scan()
        new = scanner.assigned - derived - set(params)
        if not new:
            found = [u for u in uses if u.name in params or u.problem is not None]
            used = next((u for u in found if u.name in params), None)
            unknown = sorted(n for n in scanner.arith_names - set(params) - derived if not _literal_only(script, n))
            scanner.sinks += [f"arithmetic on ${n}" for n in unknown]
            if used is not None:
                found += [Use(used.name, -1, sink.split()[0], f"is in a script that runs text as code ({sink}), "
                              "which may carry the value where this check cannot follow it; run the command directly")
                          for sink in dict.fromkeys(scanner.sinks)]
            return found
        derived |= new
    return uses


def used_params(script: str, params: Collection[str]) -> list[str]:
    """The parameters a script reads, in order of first use."""
    return list(dict.fromkeys(u.name for u in param_uses(script, params) if u.name in params))
