"""Does a command change things? The table `oncall lint` judges unmarked commands by.

One entry per tool: the subcommands (or flags) that write. Read-only subcommands
(`kubectl get`, `helm status`, `curl` without a body or write method) are not
listed, so they pass. Wrappers (`sudo`, `env X=1`, `timeout 30`, `xargs`, `nice`)
are looked through to the command they run, by the shell scanner's own rule
(tui.runbook.shellscan.program_words). To teach lint a tool, add a row here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tui.runbook.shellscan import program_words

# tool -> subcommands that change state; a tuple key is a two-word subcommand ("rollout", "undo").
SUBCOMMANDS: dict[str, set[str | tuple[str, str]]] = {
    "kubectl": {"apply", "create", "delete", "patch", "replace", "scale", "autoscale", "set", "edit", "label",
                "annotate", "cordon", "uncordon", "drain", "taint", "expose", "run",
                ("rollout", "undo"), ("rollout", "restart"), ("rollout", "pause"), ("rollout", "resume")},
    "helm": {"install", "upgrade", "rollback", "uninstall", "delete"},
    "argocd": {("app", "sync"), ("app", "rollback"), ("app", "set"), ("app", "delete"), ("app", "patch"),
               ("app", "create"), ("app", "terminate-op"), ("app", "actions")},
    "argo": {"submit", "delete", "stop", "terminate", "retry", "resubmit", "suspend", "resume",
             ("rollouts", "abort"), ("rollouts", "undo"), ("rollouts", "promote"), ("rollouts", "retry"),
             ("rollouts", "set"), ("rollouts", "pause"), ("rollouts", "restart")},
    "flux": {"suspend", "resume", "reconcile", "delete", "create"},
    "gh": {("workflow", "disable"), ("workflow", "enable"), ("workflow", "run"), ("run", "cancel"), ("run", "rerun"),
           ("pr", "merge"), ("release", "create"), ("release", "delete")},
    "terraform": {"apply", "destroy", "import", "taint"},
    "git": {"push", "commit", "revert", "reset", "merge", "rebase", "tag"},
    "docker": {"rm", "stop", "kill", "restart", "run", "push"},
    "systemctl": {"start", "stop", "restart", "reload", "disable", "enable", "kill"},
    "redis-cli": {"flushall", "flushdb", "del", "set"},
}
# Flags that take a value before the subcommand (`kubectl -n prod delete …`, `helm --kube-context x …`).
VALUE_FLAGS = {"-n", "--namespace", "--context", "--kube-context", "--kubeconfig", "--cluster", "--user", "-s",
               "--server", "--token", "-C", "--as", "--grpc-web-root-path"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CURL_BODY_FLAGS = ("-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--json", "-F", "--form",
                   "-T", "--upload-file")
# MLflow model registry writes, wherever they appear (python -c, a client script's argv).
MLFLOW_WRITES = re.compile(r"\b(set_registered_model_alias|delete_registered_model_alias|"
                           r"transition_model_version_stage|delete_model_version|delete_registered_model|"
                           r"create_model_version)\b")


def _positionals(words: Sequence[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in VALUE_FLAGS
        else:
            out.append(word)
    return out


def _curl(words: Sequence[str]) -> str | None:
    for i, word in enumerate(words):
        method = None
        if word in ("-X", "--request") and i + 1 < len(words):
            method = words[i + 1]
        elif word.startswith("--request="):
            method = word.split("=", 1)[1]
        elif word.startswith("-X") and len(word) > 2:
            method = word[2:]
        if method and method.upper() in WRITE_METHODS:
            return f"curl {method.upper()}"
        if word in CURL_BODY_FLAGS or any(word.startswith(f + "=") for f in CURL_BODY_FLAGS if f.startswith("--")):
            return "curl with a request body (a POST)"
    return None


def _wget(words: Sequence[str]) -> str | None:
    for word in words:
        if word.startswith(("--post-data", "--post-file", "--body-data", "--body-file")):
            return "wget with a request body (a POST)"
        if word.startswith("--method=") and word.split("=", 1)[1].upper() in WRITE_METHODS:
            return f"wget {word.split('=', 1)[1].upper()}"
    return None


def mutation(argv: Sequence[str]) -> str | None:
    """What this simple command changes, in a few words (`kubectl delete`), or None when it only reads."""
    joined = " ".join(argv)
    found = MLFLOW_WRITES.search(joined)
    if found:
        return f"MLflow registry change ({found.group(1)})"
    words = program_words(argv)
    if not words:
        return None
    tool = words[0].rsplit("/", 1)[-1]
    if tool == "curl":
        return _curl(words[1:])
    if tool == "wget":
        return _wget(words[1:])
    if tool in ("http", "https", "xh") and len(words) > 1:  # HTTPie: `http POST url …`
        method = next((w for w in words[1:] if not w.startswith("-")), "")
        return f"{tool} {method.upper()}" if method.upper() in WRITE_METHODS else None
    if tool == "kubectl" and len(words) > 2 and words[1] == "argo":  # the Argo Rollouts kubectl plugin
        tool, words = "argo", words[1:]
    rules = SUBCOMMANDS.get(tool)
    if rules is None:
        return None
    args = _positionals(words[1:])
    if not args:
        return None
    if tool == "kubectl" and args[:2] == ["set", "env"] and "--list" in words:
        return None  # `kubectl set env … --list` prints the variables and changes nothing
    if args[0] in rules:
        return f"{tool} {args[0]}"
    if len(args) > 1 and (args[0], args[1]) in rules:
        return f"{tool} {args[0]} {args[1]}"
    return None
