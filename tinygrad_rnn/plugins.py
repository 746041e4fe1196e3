"""The plugin registry: find, load and check recurrent cells and layer wrappers.

Contract, in short:

- A plugin of kind ``K`` is an entry point in the group ``tinygrad_rnn.Ks`` (kinds:
  ``cell``, ``wrapper``) or an object handed to :func:`register` in this process.
- :func:`available` lists plugins without importing any, and never fails because one is bad.
- :func:`get` imports a plugin on first use, checks it against its kind's duck-typed
  contract, caches it, and raises :class:`PluginError` naming the distribution, the entry
  point and the problem. A broken plugin is an error only when its own name is asked for.
- :func:`preferring` names, for a block of code, the distribution that a bare name means
  when several provide it: the command line's built-in names stay the built-ins.
- Environment, read at every call: ``TINYGRAD_RNN_DISABLE_PLUGIN_AUTOLOAD=1`` ignores all
  entry points (only registered plugins work); ``TINYGRAD_RNN_DISABLE_PLUGINS=a,dist:b``
  disables single entry points by name or by ``distribution:name``.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib.metadata
import inspect
import os
import re
import warnings
from dataclasses import dataclass

AUTOLOAD_ENV = "TINYGRAD_RNN_DISABLE_PLUGIN_AUTOLOAD"
DISABLE_ENV = "TINYGRAD_RNN_DISABLE_PLUGINS"
IN_PROCESS = "<in-process>"

_registered: dict[tuple[str, str], object] = {}  # (kind, name) -> object
_loaded: dict[tuple[str, str, str, str], object] = {}  # (kind, dist, name, value) -> object
_broken: dict[tuple[str, str, str, str], tuple[str, BaseException | None]] = {}
_preferred: dict[tuple[str, str], str] = {}  # (kind, name) -> distribution, see preferring


class PluginError(LookupError):
    """A plugin is unknown, ambiguous, disabled, failed to import or breaks its contract."""


@dataclass(frozen=True)
class PluginInfo:
    """One row of :func:`available`.

    ``value`` is the entry point's ``module:attr`` (``"<registered>"`` for in-process
    plugins); ``status`` is ``"ok"``, ``"broken"``, ``"not loaded"`` or ``"disabled"``,
    and ``error`` says why when the status is ``"broken"`` or ``"disabled"``.
    """

    name: str
    kind: str
    distribution: str
    version: str
    value: str
    status: str
    error: str | None = None


# ---------------------------------------------------------------- contracts

def _class_problems(obj: object) -> list[str]:
    """Empty if ``obj`` is a class, else the one problem that makes other checks moot."""
    return [] if inspect.isclass(obj) else [f"expected a class, got {type(obj).__name__}"]


def _cell_problems(cell: object) -> list[str]:
    """Every way ``cell`` breaks the cell contract (empty when it meets it)."""
    if problems := _class_problems(cell):
        return problems
    if not callable(getattr(cell, "step", None)):
        problems.append("missing callable 'step'")
    names = getattr(cell, "state_names", None)
    if not (isinstance(names, tuple) and names and all(isinstance(n, str) and n for n in names)):
        got = repr(names) if isinstance(names, tuple) else type(names).__name__
        problems.append(f"'state_names' must be a non-empty tuple of non-empty str, got {got}")
    try:
        parameters = inspect.signature(cell).parameters.values()
    except (TypeError, ValueError):
        problems.append("cannot read the signature of __init__")
    else:
        named = {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        if not any(p.kind is p.VAR_KEYWORD for p in parameters):
            problems += [f"__init__ does not accept '{n}'" for n in ("input_size", "hidden_size")
                         if n not in named]
    sequence = getattr(cell, "sequence", None)
    if sequence is not None and not callable(sequence):
        problems.append(f"'sequence' must be callable or None, got {type(sequence).__name__}")
    return problems


def _wrapper_problems(wrapper: object) -> list[str]:
    """Every way ``wrapper`` breaks the wrapper contract (empty when it meets it)."""
    if problems := _class_problems(wrapper):
        return problems
    directions = getattr(wrapper, "num_directions", None)
    if not (type(directions) is int and directions >= 1):
        problems.append(f"'num_directions' must be an int >= 1, got {directions!r}")
    if not callable(getattr(wrapper, "forward", None)):
        problems.append("missing callable 'forward'")
    return problems


# Adding a kind of plugin is one entry here; its group is "tinygrad_rnn.<kind>s".
_VALIDATORS = {"cell": _cell_problems, "wrapper": _wrapper_problems}


# ---------------------------------------------------------------- entry points

def _group(kind: str) -> str:
    """The entry-point group of ``kind``; PluginError for an unknown kind."""
    if kind not in _VALIDATORS:
        raise PluginError(f"unknown plugin kind {kind!r}; kinds: {', '.join(sorted(_VALIDATORS))}")
    return f"tinygrad_rnn.{kind}s"


def _distribution(entry_point: importlib.metadata.EntryPoint) -> tuple[str, str]:
    """(name, version) of the distribution declaring ``entry_point``, if it is known."""
    dist = getattr(entry_point, "dist", None)
    return ("<unknown>", "") if dist is None else (dist.name, dist.version)


def _normalized(distribution: str) -> str:
    """A distribution name compared the PyPA way: case and runs of ``-_.`` do not matter."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _entry_points(group: str) -> list[importlib.metadata.EntryPoint]:
    """The entry points of ``group``, each (distribution, name, value) once.

    NOTE: an editable install can put one distribution on sys.path twice.
    """
    unique = {}
    for entry_point in importlib.metadata.entry_points(group=group):
        unique.setdefault((_distribution(entry_point)[0], entry_point.name, entry_point.value),
                          entry_point)
    return sorted(unique.values(), key=lambda ep: (_distribution(ep), ep.name))


def _disabled_by(entry_point: importlib.metadata.EntryPoint) -> str | None:
    """The environment setting that disables ``entry_point``, or None if it is enabled."""
    if os.environ.get(AUTOLOAD_ENV, "").strip().lower() in ("1", "true", "yes"):
        return f"{AUTOLOAD_ENV}={os.environ[AUTOLOAD_ENV]}"
    distribution = _normalized(_distribution(entry_point)[0])
    for item in os.environ.get(DISABLE_ENV, "").split(","):
        wanted_dist, _, name = item.strip().rpartition(":")
        if name == entry_point.name and _normalized(wanted_dist) in ("", distribution):
            return f"{DISABLE_ENV}={os.environ[DISABLE_ENV]}"
    return None


def _source(entry_point: importlib.metadata.EntryPoint) -> str:
    """``D V (entry point 'name = module:attr')``, D and V naming the distribution."""
    distribution = " ".join(_distribution(entry_point)).rstrip()
    return f"{distribution} (entry point '{entry_point.name} = {entry_point.value}')"


def _describe(kind: str, entry_point: importlib.metadata.EntryPoint) -> str:
    """``kind 'name' from distribution D V (entry point 'name = module:attr')``."""
    return f"{kind} {entry_point.name!r} from distribution {_source(entry_point)}"


def _key(kind: str, entry_point: importlib.metadata.EntryPoint) -> tuple[str, str, str, str]:
    """The cache key of ``entry_point``: (kind, distribution, name, value)."""
    return kind, _distribution(entry_point)[0], entry_point.name, entry_point.value


def _load(kind: str, entry_point: importlib.metadata.EntryPoint) -> object:
    """Import and check ``entry_point`` once; later calls reuse the object or the error."""
    key = _key(kind, entry_point)
    if key not in _loaded and key not in _broken:
        try:
            obj = entry_point.load()
        except Exception as exc:  # any failure of third-party import code is reported
            failure = f"{type(exc).__name__}: {exc}"
            _broken[key] = (f"{_describe(kind, entry_point)} failed to import: {failure}", exc)
        else:
            if problems := _VALIDATORS[kind](obj):
                message = f"{_describe(kind, entry_point)} breaks the {kind} contract: "
                _broken[key] = (message + "; ".join(problems), None)
            else:
                _loaded[key] = obj
    if key in _broken:
        message, cause = _broken[key]
        raise PluginError(message) from cause
    return _loaded[key]


# ---------------------------------------------------------------- public API

def available(kind: str | None = None) -> list[PluginInfo]:
    """Every plugin of ``kind`` (all kinds if None), sorted by (kind, name); imports none.

    Entry points show ``"not loaded"`` until :func:`get` asked for them, then ``"ok"`` or
    ``"broken"``; disabled ones show ``"disabled"``. An in-process registration and an
    entry point of the same name are both listed.
    """
    rows = []
    for each_kind in sorted(_VALIDATORS) if kind is None else [kind]:
        for entry_point in _entry_points(_group(each_kind)):
            key, reason = _key(each_kind, entry_point), _disabled_by(entry_point)
            status, error = (("disabled", f"disabled by {reason}") if reason
                             else ("broken", _broken[key][0]) if key in _broken
                             else ("ok", None) if key in _loaded else ("not loaded", None))
            rows.append(PluginInfo(entry_point.name, each_kind, *_distribution(entry_point),
                                   entry_point.value, status, error))
        rows += [PluginInfo(name, each_kind, IN_PROCESS, "", "<registered>", "ok")
                 for registered_kind, name in _registered if registered_kind == each_kind]
    return sorted(rows, key=lambda row: (row.kind, row.name, row.distribution))


def _unknown(name: str, kind: str) -> PluginError:
    """The error for a name nothing provides: what is available, and a close match."""
    rows = available(kind)
    names = sorted({row.name for row in rows if row.status != "disabled"})
    message = f"no {kind} named {name!r}; available {kind}s: {', '.join(names) or 'none installed'}"
    if disabled := sorted({row.name for row in rows if row.status == "disabled"}):
        message += f"; disabled: {', '.join(disabled)}"
    if close := difflib.get_close_matches(name.rpartition(":")[2], names, n=1):
        message += f"; did you mean {close[0]!r}?"
    return PluginError(message)


def get(name: str, kind: str = "cell") -> object:
    """The plugin ``name`` of ``kind``, imported on first use, checked and cached.

    ``name`` may be ``distribution:name`` to pick one of several distributions providing
    it. An unqualified name registered in-process wins over entry points. Raises
    :class:`PluginError` if the name is unknown, ambiguous or disabled, or if the plugin
    fails to import or breaks its kind's contract.
    """
    group = _group(kind)
    wanted_dist, _, short = name.rpartition(":")
    if not wanted_dist and (kind, short) in _registered:
        return _registered[kind, short]
    matches = [ep for ep in _entry_points(group) if ep.name == short and (
        not wanted_dist or _normalized(_distribution(ep)[0]) == _normalized(wanted_dist))]
    if not matches:
        raise _unknown(name, kind)
    enabled = [ep for ep in matches if _disabled_by(ep) is None]
    if not enabled:
        raise _disabled(kind, matches)
    if len(enabled) > 1 and not wanted_dist and (kind, short) in _preferred:
        enabled = [ep for ep in enabled if _normalized(_distribution(ep)[0]) ==
                   _normalized(_preferred[kind, short])] or enabled
    if len(enabled) > 1:
        sources = ", ".join(_source(ep) for ep in enabled)
        qualified = [f"{_distribution(ep)[0]}:{short}" for ep in enabled]
        raise PluginError(f"{kind} {short!r} is ambiguous: {len(enabled)} installed "
                          f"distributions provide it: {sources}. Ask for one by its qualified "
                          f"name, {' or '.join(map(repr, qualified))}, or disable the one you do "
                          f"not want by listing its qualified name in {DISABLE_ENV}")
    return _load(kind, enabled[0])


@contextlib.contextmanager
def preferring(distributions: dict[tuple[str, str], str]):
    """Within the block, a bare name that several enabled distributions provide means the
    one ``distributions`` maps its ``(kind, name)`` to, when that one is among them, instead
    of being ambiguous. The ``tinygrad-rnn`` command runs in ``preferring`` the built-ins'
    distributions, so that a third party's ``lstm`` changes nothing there until asked for
    by its qualified name."""
    saved = dict(_preferred)
    _preferred.update(distributions)
    try:
        yield
    finally:
        _preferred.clear()
        _preferred.update(saved)


def _disabled(kind: str, entry_points: list) -> PluginError:
    """The error for a name whose every entry point is disabled: which setting does it, and
    how to undo it (without undoing the disabling of a namesake)."""
    reasons = "; ".join(f"{_describe(kind, ep)} is installed but disabled by the environment "
                        f"variable {_disabled_by(ep)}" for ep in entry_points)
    if _disabled_by(entry_points[0]).startswith(AUTOLOAD_ENV):
        way_out = f"unset {AUTOLOAD_ENV} to load installed plugins"
    else:
        way_out = (f"remove it from {DISABLE_ENV}; to disable only another distribution's "
                   f"{entry_points[0].name!r}, list it there as distribution:name")
    return PluginError(f"{reasons}. To use it, {way_out}")


def register(name: str, obj: object, kind: str = "cell", *, replace: bool = False) -> None:
    """Register ``obj`` as the ``kind`` plugin ``name`` in this process only.

    ``obj`` is checked at once. Registering a name again needs ``replace=True``. An
    installed entry point of the same name stays reachable as ``distribution:name``; a
    warning says it is shadowed.
    """
    group = _group(kind)
    if not name or ":" in name:
        raise PluginError(f"cannot register {kind} {name!r}: a name is non-empty, without ':'")
    if problems := _VALIDATORS[kind](obj):
        raise PluginError(f"cannot register {kind} {name!r}: {'; '.join(problems)}")
    if (kind, name) in _registered and not replace:
        raise PluginError(f"a {kind} named {name!r} is already registered in this process; "
                          "pass replace=True to replace it")
    if shadowed := [_distribution(ep)[0] for ep in _entry_points(group) if ep.name == name]:
        choices = " or ".join(repr(f"{dist}:{name}") for dist in shadowed)
        warnings.warn(f"in-process {kind} {name!r} shadows the installed one from "
                      f"{', '.join(shadowed)}; ask for {choices} to get that", stacklevel=2)
    _registered[kind, name] = obj


def unregister(name: str, kind: str = "cell") -> None:
    """Remove the in-process registration of ``name``; PluginError if there is none."""
    _group(kind)
    if (kind, name) not in _registered:
        raise PluginError(f"no {kind} named {name!r} is registered in this process")
    del _registered[kind, name]
