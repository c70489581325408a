"""docs/benchmarks.md from the results run.py measured (``render(results) -> str``).

Only what is in the results is reported; whatever was not measured is said so, with the
reason recorded (a size past --rdflib-max, a skipped part, a failure, a timeout).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

ENGINES = ("service", "pyoxigraph", "virtuoso", "rdflib", "rdflib-endpoint")
LABELS = {
    "service": "service",
    "pyoxigraph": "pyoxigraph",
    "virtuoso": "Virtuoso",
    "rdflib": "rdflib",
    "rdflib-endpoint": "rdflib-endpoint",
}
FORMAT_LABELS = {
    "turtle": "Turtle",
    "jsonld": "JSON-LD",
    "html": "HTML",
    "trivial": "trivial route",
}
SIZE_LABELS = {"100k": "100 k", "1m": "1 M", "10m": "10 M"}


# --- numbers ---------------------------------------------------------------------------------


def ms(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def ratio(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:.0f}×"
    if value >= 10:
        return f"{value:.1f}×"
    return f"{value:.2f}×"


def mib(kib: float | None) -> str:
    return "–" if kib is None else f"{kib / 1024:.0f} MiB"


def size_bytes(value: int | None) -> str:
    if value is None:
        return "–"
    if value >= 1 << 30:
        return f"{value / (1 << 30):.2f} GiB"
    return f"{value / (1 << 20):.1f} MiB"


def table(header: list[str], rows: Iterable[list[str]], align: str | None = None) -> list[str]:
    marks = align or ("l" + "r" * (len(header) - 1))
    rule = ["---:" if m == "r" else "---" for m in marks]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


# --- reading the results ---------------------------------------------------------------------


def engine_queries(size: dict[str, Any], engine: str) -> dict[str, dict[str, Any]]:
    return {q["name"]: q for q in size.get("engines", {}).get(engine, {}).get("queries", [])}


def cold_ms(q: dict[str, Any] | None) -> float | None:
    if not q or q["cold"]["timeout"] or q["cold"]["error"]:
        return None
    return q["cold"]["ms"]


def warm_ms(q: dict[str, Any] | None) -> float | None:
    return q.get("warm_median") if q else None


def cell(q: dict[str, Any] | None, which: str, timeout: float) -> str:
    """A cold or warm median; "> 60 s" for a timeout, "error" for an error."""
    if q is None:
        return "–"
    cold = q["cold"]
    if cold["timeout"]:
        note = " (not sent)" if (q.get("note") or "").startswith("not sent") else ""
        return f"> {timeout:g} s{note}"
    if cold["error"]:
        return "error¹"
    if which == "cold":
        return ms(cold["ms"])
    if q.get("warm_timeout"):
        return f"> {timeout:g} s"
    if q.get("warm_error"):
        return "error¹"
    value = q.get("warm_median")
    runs = len(q.get("warm_ms") or [])
    if value is None:
        return "–"
    return ms(value) + (f" ({runs})" if runs < 20 else "")


def lower_bound(q: dict[str, Any] | None, which: str, timeout: float) -> float | None:
    """A median, or the time limit (a lower bound) for a timeout; None otherwise."""
    if q is None:
        return None
    if q["cold"]["timeout"] or (which == "warm" and q.get("warm_timeout")):
        return timeout * 1000
    return cold_ms(q) if which == "cold" else warm_ms(q)


def sizes_of(results: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(k, v) for k, v in results.get("sizes", {}).items()]


# --- sections --------------------------------------------------------------------------------


def header(results: dict[str, Any]) -> list[str]:
    machine = results.get("machine", {})
    v = results.get("versions", {})
    protocol = results.get("protocol", {})
    opts = results.get("options", {})
    lines = [
        "# Benchmarks",
        "",
        "The service (`healthtech-lod serve`: Flask under gunicorn over an on-disk Oxigraph",
        "store) against the engine it runs on (pyoxigraph in process), rdflib in memory (the",
        "design's first choice), rdflib-endpoint (the Python peer service) and Virtuoso Open",
        "Source (what a user would pick instead), all serving the same data, at 100 k, 1 M and",
        "10 M statements; then dereferencing throughput against a trivial Flask route, build",
        "time, store size, start time and memory. Every table was measured by the command",
        "that follows, in one run, and written by it (the section after the Targets table is",
        "written by hand); the raw figures are in",
        "[`benchmarks/results.json`](../benchmarks/results.json).",
        "",
        "```sh",
        results.get("command", ".venv/bin/python benchmarks/run.py"),
        "```",
        "",
        f"- Date: {results.get('date', '?')}; commit `{results.get('commit', '?')}`; code "
        f"measured: {results.get('code', '?')}.",
        f"- Total time of the run: {results.get('total_seconds', 0) / 60:.1f} min.",
        f"- Machine: {machine.get('nproc', '?')} vCPUs ({machine.get('CPU', '?')}), "
        f"{machine.get('memory', '?')} RAM, Linux {machine.get('kernel', '?')}. The load "
        "generators (the timing client, wrk) run on the same two cores as the servers.",
        f"- Versions: Python {v.get('Python')}, pyoxigraph {v.get('pyoxigraph')}, rdflib "
        f"{v.get('rdflib')}, rdflib-endpoint {v.get('rdflib-endpoint')} (FastAPI "
        f"{v.get('fastapi')}, uvicorn {v.get('uvicorn')}), Virtuoso Open Source "
        f"{v.get('Virtuoso')} (Debian's `virtuoso-opensource`), gunicorn {v.get('gunicorn')}, "
        f"Flask {v.get('Flask')}, {v.get('wrk')}.",
        "",
        "Extra dependencies of the benchmarks (not of the service): Debian's `wrk` and",
        "`virtuoso-opensource`; the Python packages `rdflib-endpoint` and `uvicorn`.",
        "",
        "## How it is measured",
        "",
        "- **Data.** `python -m benchmarks.generator -n N` (1 500, 15 000 and 150 000 synthetic "
        "organisations) then `healthtech-lod build --add` with the repository. Every engine "
        "serves the same statements: the service and pyoxigraph the built store, Virtuoso, "
        "rdflib and rdflib-endpoint the build's N-Quads dump (`downloads/healthtech-lod.nq.gz`, "
        "which already holds the repository's statements and the generated ones), each quad in "
        "its named graph, the default graph being the union of the named graphs.",
        "- **The query mix** (`benchmarks/mix.py`): the 10 example queries of "
        "`data/queries.ttl`, an entity description (every statement about a synthetic company "
        "and pointing at it, with its graph), a label search (`CONTAINS` over every "
        "`rdfs:label`, `ORDER BY`, `LIMIT 100`), an aggregate (distinct instances per class), "
        "and two two-hop joins with `ORDER BY` and `LIMIT`: `join-selective` starts from the "
        "company (its town, the town's companies, their products; the same size at every "
        "scale), `join-global` runs over every product (product → maker → town). Every answer "
        "is complete SPARQL JSON (the service's `MAX_RESULT_ROWS` and Virtuoso's "
        "`ResultSetMaxRows` are raised to 1 000 000 for this).",
        "- **Cold** is the first run of each query on a freshly started engine (a new service, "
        "a new process opening the store, Virtuoso restarted after its load, rdflib just "
        "loaded); the operating system's page cache is not dropped. **Warm** is the median of "
        f"up to {protocol.get('reps', 20)} further runs of each query "
        f"(runs stop after {protocol.get('budget', 5):g} s once {protocol.get('min_reps', 3)} "
        f"are done, or after 1 when the cold run took over {protocol.get('slow', 10):g} s; a "
        "figure in brackets is the number of warm runs when under 20). Every timed text is "
        "unique (a trailing `# …` comment), so that the engine runs it: no answer cache and no "
        "parsed-query cache serves it. **Repeated** is what the same text sent again costs "
        "through the service: answered from its answer cache (`RESULT_CACHE_BYTES`).",
        f"- **Time limit**: {protocol.get('timeout', 60):g} s per query and engine; a query "
        f'past it is shown as "> {protocol.get("timeout", 60):g} s" and not run again on '
        "that engine. The service's `QUERY_TIMEOUT` and Virtuoso's `MaxQueryExecutionTime` are "
        "set to it. rdflib-endpoint is not sent a query that rdflib itself did not finish "
        'within the limit (the same engine, plus HTTP): shown as "> 60 s (not sent)".',
        "- **Over HTTP** (service, Virtuoso, rdflib-endpoint), the time is the client's: a "
        "POSTed form on a keep-alive connection, until the last byte of the SPARQL JSON answer. "
        "**In process** (pyoxigraph, rdflib), it is the query plus serialising its results to "
        "SPARQL JSON, timed inside the engine's process.",
        f"- **The service** runs `healthtech-lod serve --store DIR --workers "
        f"{opts.get('workers', 2)}` (gthread, 4 threads per worker, 2 query worker processes "
        "per worker) with `RATE_LIMIT=0`; the other settings are the defaults (access log on).",
        f"- **Dereferencing**: wrk, {opts.get('connections', 8)} connections, 2 threads, "
        f"{opts.get('wrk_seconds', 10):g} s per format after {opts.get('wrk_warmup', 2):g} s of "
        "warm-up, round robin over the documents of 200 synthetic organisations "
        "(`/doc/{slug}` with `Accept: text/turtle`, `application/ld+json` or a browser's "
        "`text/html,…`). The trivial route (`benchmarks/trivial_app.py`: a constant 298-byte "
        "Turtle text) runs under gunicorn with the same worker class, workers and threads.",
        "- **Memory** is the resident set (VmRSS) of each process of the service after the "
        "dereferencing runs and one pass of the query mix (with the default `MAX_RESULT_ROWS`).",
        "- **Virtuoso** runs from a temporary folder, bound to 127.0.0.1, with the buffer "
        "settings its documentation gives for 4 GB (`NumberOfBuffers = 340000`, "
        "`MaxDirtyBuffers = 250000`); loaded with `ld_dir` + `rdf_loader_run` + `checkpoint`. "
        "rdflib-endpoint runs under uvicorn (one process), as `rdflib-endpoint serve` does.",
        "",
    ]
    return lines


def mix_section(size: dict[str, Any], timeout: float) -> list[str]:
    names = [q["name"] for q in size.get("mix", [])]
    if not names:
        return ["No query mix was measured at this size.", ""]
    per = {e: engine_queries(size, e) for e in ENGINES}
    present = [e for e in ENGINES if per[e]]
    repeat = size.get("engines", {}).get("service", {}).get("repeat", {})
    hits = size.get("engines", {}).get("service", {}).get("repeat_cache", {})
    header_row = ["query", "rows"]
    for e in present:
        header_row += [f"{LABELS[e]} cold", f"{LABELS[e]} warm"]
        if e == "service":
            header_row.append("service repeated")
    rows = []
    for name in names:
        rows_count = next(
            (
                per[e][name].get("rows")
                for e in present
                if name in per[e] and per[e][name].get("rows") is not None
            ),
            None,
        )
        row = [f"`{name}`", "–" if rows_count is None else str(rows_count)]
        for e in present:
            q = per[e].get(name)
            row += [cell(q, "cold", timeout), cell(q, "warm", timeout)]
            if e == "service":
                times = repeat.get(name) or []
                value = ms(statistics.median(times)) if times else "–"
                cached, ran = hits.get(name, (0, 0))
                if times and ran > cached:
                    value += "²"
                row.append(value)
        rows.append(row)
    lines = [
        "Median milliseconds (s where marked) per query, cold and warm:",
        "",
        *table(header_row, rows),
        "",
    ]
    lines += mismatch_notes(size, names, per, present)
    lines += errors_notes(names, per, present)
    lines += ratios_section(names, per, timeout)
    return lines


def mismatch_notes(
    size: dict[str, Any], names: list[str], per: dict[str, Any], present: list[str]
) -> list[str]:
    notes = []
    for name in names:
        counts = {
            LABELS[e]: per[e][name]["rows"]
            for e in present
            if name in per[e] and per[e][name].get("rows") is not None
        }
        if len(set(counts.values())) > 1:
            detail = ", ".join(f"{k} {v}" for k, v in counts.items())
            why = f" ({ROW_NOTES[name]})" if name in ROW_NOTES else ""
            notes.append(f"- `{name}`: {detail}{why}.")
    if not notes:
        return ["Every engine that answered a query returned the same number of rows.", ""]
    return ["Row counts that differ between engines:", "", *notes, ""]


def errors_notes(names: list[str], per: dict[str, Any], present: list[str]) -> list[str]:
    notes = []
    for e in present:
        for name in names:
            q = per[e].get(name)
            if q is None:
                continue
            error = q["cold"]["error"] if not q["cold"]["timeout"] else None
            error = error or q.get("warm_error") if not q.get("warm_timeout") else None
            if error and not q["cold"]["timeout"]:
                notes.append(f"- {LABELS[e]}, `{name}`: {error[:300]}")
    if not notes:
        return []
    return ["¹ Errors:", "", *notes, ""]


def ratios_section(names: list[str], per: dict[str, Any], timeout: float) -> list[str]:
    service = per["service"]
    oxi = per["pyoxigraph"]
    if not service:
        return []
    others = [e for e in ("rdflib-endpoint", "virtuoso") if per[e]]
    rows = []
    for name in names:
        s = service.get(name)
        s_warm, s_cold = warm_ms(s), cold_ms(s)
        o_warm = warm_ms(oxi.get(name))
        row = [f"`{name}`"]
        row.append(ratio(s_warm / o_warm) if s_warm and o_warm else "–")
        row.append(f"{s_warm - o_warm:+.2f} ms" if s_warm and o_warm else "–")
        row.append(verdict_oxi(s_warm, o_warm))
        for e in others:
            other = per[e].get(name)
            for which in ("warm", "cold"):
                mine = s_warm if which == "warm" else s_cold
                theirs = lower_bound(other, which, timeout)
                if other is None or mine is None or theirs is None:
                    row.append("–")
                    continue
                text = ratio(theirs / mine)
                timed_out = other["cold"]["timeout"] or (
                    which == "warm" and other.get("warm_timeout")
                )
                row.append(("≥ " + text) if timed_out else text)
        rows.append(row)
    return [
        "Ratios (warm unless said): service ÷ pyoxigraph and their difference, with the "
        "target's test (within 1.3× above 10 ms, within 2 ms below); rdflib-endpoint ÷ "
        'service and Virtuoso ÷ service (above 1×: the service is faster; "≥" where the '
        "other engine hit the time limit):",
        "",
        *table(
            [
                "query",
                "service ÷ pyoxigraph",
                "service − pyoxigraph",
                "target",
                *(f"{LABELS[e]} ÷ service{cold}" for e in others for cold in ("", " cold")),
            ],
            rows,
        ),
        "",
    ]


def verdict_oxi(service: float | None, oxi: float | None) -> str:
    if service is None or oxi is None:
        return "–"
    if oxi >= 10:
        return "met" if service <= 1.3 * oxi else "not met"
    return "met" if service <= oxi + 2 else "not met"


def deref_section(size: dict[str, Any]) -> list[str]:
    found = size.get("deref")
    if not found:
        return ["Dereferencing was not measured at this size.", ""]
    trivial = found.get("trivial")
    rows = []
    for name in ("turtle", "jsonld", "html", "trivial"):
        r = found.get(name)
        if r is None:
            continue
        errors = sum(r["errors"].values())
        share = f"{100 * r['rps'] / trivial['rps']:.0f} %" if trivial and name != "trivial" else "–"
        spread = r.get("connections_per_worker")
        rows.append(
            [
                FORMAT_LABELS[name],
                "/".join(str(n) for n in spread) if spread else "not recorded",
                f"{r['rps']:.0f}",
                ms(r["p50_ms"]),
                ms(r["p90_ms"]),
                ms(r["p99_ms"]),
                f"{r['bytes_per_response'] / 1024:.1f} KiB",
                str(errors),
                share,
            ]
        )
    return [
        f"Dereferencing `/doc/{{slug}}` ({size.get('deref_entities', '?')} entities, wrk):",
        "",
        *table(
            [
                "format",
                "connections per worker",
                "requests/s",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "response",
                "errors",
                "÷ trivial",
            ],
            rows,
        ),
        "",
    ]


def data_section(size: dict[str, Any]) -> list[str]:
    e = size.get("engines", {})
    starts = size.get("start_seconds") or []
    rows = [
        ["statements generated", f"{size.get('statements') or 0:,}".replace(",", " ")],
        [
            "triples in the store (distinct, union of graphs)",
            f"{size.get('triples') or 0:,}".replace(",", " "),
        ],
        [
            "generation (`python -m benchmarks.generator`)",
            f"{size.get('generate_seconds', 0):.1f} s",
        ],
        [
            "build (`healthtech-lod build --add`)",
            f"{size['build_seconds']:.1f} s" if "build_seconds" in size else "–",
        ],
        ["store on disk (`store/`)", size_bytes((size.get("store_bytes") or {}).get("disk"))],
        [
            "whole build folder (store, index, downloads)",
            size_bytes((size.get("folder_bytes") or {}).get("disk")),
        ],
        [
            "serve start, until /health answers (each start)",
            ", ".join(f"{s:.2f} s" for s in starts) if starts else "–",
        ],
    ]
    if "virtuoso" in e:
        rows.append(["Virtuoso bulk load + checkpoint", f"{e['virtuoso']['load_seconds']:.1f} s"])
        rows.append(["Virtuoso database on disk", size_bytes(e["virtuoso"].get("database_bytes"))])
        rows.append(
            ["Virtuoso resident memory after the mix", mib(e["virtuoso"].get("rss_kib_after"))]
        )
    if "rdflib" in e:
        ready = e["rdflib"]["ready"]
        rows.append(["rdflib load into memory", f"{ready['load_seconds']:.1f} s"])
        rows.append(["rdflib resident memory after the mix", mib(e["rdflib"].get("rss_kib_after"))])
    if "rdflib-endpoint" in e:
        rows.append(
            ["rdflib-endpoint load and start", f"{e['rdflib-endpoint']['load_seconds']:.1f} s"]
        )
        rows.append(
            [
                "rdflib-endpoint resident memory after the mix",
                mib(e["rdflib-endpoint"].get("rss_kib_after")),
            ]
        )
    return table(["", ""], rows, "lr") + [""]


def phases_section(results: dict[str, Any], key: str) -> list[str]:
    cpu = (results.get("cpu") or {}).get(key) or {}
    if not cpu:
        return []
    rows = [
        [
            name,
            f"{c['wall']:.0f} s",
            f"{c['own'] / c['wall']:.2f}" if c["wall"] else "–",
            f"{c['other'] / c['wall']:.2f}" if c["wall"] else "–",
            c.get("loadavg_end", "–"),
        ]
        for name, c in cpu.items()
    ]
    return [
        "Phases of this size: wall time, and the cores in use on average by the benchmark "
        "(its servers, engines and clients) and by other programs on the machine meanwhile "
        "(from `/proc/stat`; other work on the machine disturbs the figures in proportion):",
        "",
        *table(
            ["phase", "wall", "cores: benchmark", "cores: other programs", "load (1 min) at end"],
            rows,
        ),
        "",
    ]


def memory_section(size: dict[str, Any]) -> list[str]:
    memory = size.get("memory") or {}
    after = memory.get("after_load") or []
    if not after:
        return []
    idle = {p["pid"]: p["rss_kib"] for p in memory.get("idle") or []}
    rows = [
        [p["role"], str(p["pid"]), mib(idle.get(p["pid"])), mib(p["rss_kib"])]
        for p in after
        if p["role"] != "resource tracker"
    ]
    return [
        "Resident memory of the service's processes, idle after start and after the "
        "dereferencing runs and a pass of the mix:",
        "",
        *table(["process", "pid", "idle", "after load"], rows, "lrrr"),
        "",
    ]


# --- targets ---------------------------------------------------------------------------------


def versus_endpoint(
    size: dict[str, Any], timeout: float
) -> tuple[float, list[float], list[str], list[str]]:
    """rdflib-endpoint's time over the service's on the mix at one size: the whole mix
    (sum of warm medians, a timeout counted as ``timeout``), the per-query ratios, the
    queries under 20× and those rdflib-endpoint answered with an error."""
    service, peer = engine_queries(size, "service"), engine_queries(size, "rdflib-endpoint")
    total_s = total_p = 0.0
    below: list[str] = []
    ratios: list[float] = []
    failed: list[str] = []
    for name, q in service.items():
        s = warm_ms(q)
        p = lower_bound(peer.get(name), "warm", timeout)
        if s is not None and peer.get(name) and p is None:
            failed.append(f"`{name}`")
        if s is None or p is None:
            continue
        total_s += s
        total_p += p
        ratios.append(p / s)
        if p / s < 20:
            below.append(f"`{name}` {ratio(p / s)}")
    return (total_p / total_s if total_s else 0.0), ratios, below, failed


def targets(results: dict[str, Any]) -> list[str]:
    sizes = dict(sizes_of(results))
    timeout = results.get("protocol", {}).get("timeout", 60)
    rows: list[list[str]] = []

    # 1. within 1.3x / 2 ms of pyoxigraph.
    fails, checked = [], 0
    for key, size in sizes.items():
        service, oxi = engine_queries(size, "service"), engine_queries(size, "pyoxigraph")
        for name in service:
            s, o = warm_ms(service.get(name)), warm_ms(oxi.get(name))
            if s is None or o is None:
                continue
            checked += 1
            if verdict_oxi(s, o) != "met":
                fails.append(f"`{name}` at {SIZE_LABELS.get(key, key)}: {ms(s)} vs {ms(o)} ms")
    if checked:
        rows.append(
            [
                "service within 1.3× of pyoxigraph (queries over 10 ms), within 2 ms below",
                "met" if not fails else "not met",
                f"{checked - len(fails)} of {checked} query × size medians (warm) pass"
                + (f"; fail: {'; '.join(fails)}" if fails else ""),
            ]
        )

    # 2. 20x faster than rdflib-endpoint at 1 M.
    size = sizes.get("1m")
    if size and engine_queries(size, "rdflib-endpoint") and engine_queries(size, "service"):
        overall, ratios, below, failed = versus_endpoint(size, timeout)
        geomean = statistics.geometric_mean(ratios) if ratios else 0
        rows.append(
            [
                "at least 20× faster than rdflib-endpoint on the mix at 1 M",
                "met"
                if overall >= 20 and not below
                else ("met on the whole mix" if overall >= 20 else "not met"),
                f"whole mix (sum of warm medians, a timeout counted as {timeout:g} s): "
                f"{ratio(overall)}; geometric mean of the per-query ratios: {ratio(geomean)}"
                + (f"; under 20×: {', '.join(below)}" if below else "; every query ≥ 20×")
                + (
                    f"; left out (rdflib-endpoint answers an error): {', '.join(failed)}"
                    if failed
                    else ""
                ),
            ]
        )
    else:
        rows.append(
            [
                "at least 20× faster than rdflib-endpoint on the mix at 1 M",
                "not measured",
                "no 1 M run with both",
            ]
        )

    # 3. ahead of Virtuoso.
    warm_fails, cold_fails, checked_v = [], [], 0
    for key, size in sizes.items():
        service, other = engine_queries(size, "service"), engine_queries(size, "virtuoso")
        if not other:
            continue
        for name, q in service.items():
            s, v = warm_ms(q), lower_bound(other.get(name), "warm", timeout)
            if s is not None and v is not None:
                checked_v += 1
                if s >= v:
                    warm_fails.append(
                        f"`{name}` at {SIZE_LABELS.get(key, key)} ({ms(s)} vs {ms(v)})"
                    )
            kind = next((m["kind"] for m in size.get("mix", []) if m["name"] == name), "")
            if kind in {"describe", "join"}:
                s, v = cold_ms(q), lower_bound(other.get(name), "cold", timeout)
                if s is not None and v is not None and s >= v:
                    cold_fails.append(
                        f"`{name}` at {SIZE_LABELS.get(key, key)} ({ms(s)} vs {ms(v)})"
                    )
    if checked_v:
        rows.append(
            [
                "ahead of Virtuoso on every query of the mix, warm",
                "met" if not warm_fails else "not met",
                "every query at every size"
                if not warm_fails
                else f"ahead on {checked_v - len(warm_fails)} of {checked_v} query × size "
                "medians; behind on: " + "; ".join(warm_fails),
            ]
        )
        rows.append(
            [
                "ahead of Virtuoso on entity descriptions and joins, cold",
                "met" if not cold_fails else "not met",
                "`describe`, `join-selective`, `join-global` at every size"
                if not cold_fails
                else "behind on: " + "; ".join(cold_fails),
            ]
        )

    # 4. dereferencing >= 60 % of the trivial route.
    shares, low = [], []
    for key, size in sizes.items():
        found = size.get("deref") or {}
        trivial = found.get("trivial")
        if not trivial:
            continue
        for name in ("turtle", "jsonld", "html"):
            if name in found:
                share = found[name]["rps"] / trivial["rps"]
                shares.append(share)
                if share < 0.6:
                    low.append(
                        f"{FORMAT_LABELS[name]} at {SIZE_LABELS.get(key, key)} {100 * share:.0f} %"
                    )
    if shares:
        rows.append(
            [
                "dereferencing throughput at least 60 % of the trivial route's",
                "met" if not low else "not met",
                f"{100 * min(shares):.0f}–{100 * max(shares):.0f} % of the trivial route"
                + (f"; under 60 %: {', '.join(low)}" if low else ""),
            ]
        )

    big = sizes.get("10m")
    # 5. start under 2 s at 10 M.
    if big and big.get("start_seconds"):
        starts = big["start_seconds"]
        rows.append(
            [
                "start under 2 s at 10 M",
                "met" if max(starts) < 2 else "not met",
                "starts: " + ", ".join(f"{s:.2f} s" for s in starts),
            ]
        )
    else:
        rows.append(["start under 2 s at 10 M", "not measured", "no 10 M run"])
    # 6. a worker under 300 MB at 10 M.
    if big and (big.get("memory") or {}).get("after_load"):
        procs = [
            p
            for p in big["memory"]["after_load"]
            if p["role"] in {"gunicorn worker", "query worker"}
        ]
        worst = max(procs, key=lambda p: p["rss_kib"])
        by_role = {}
        for p in procs:
            by_role[p["role"]] = max(by_role.get(p["role"], 0), p["rss_kib"])
        rows.append(
            [
                "each worker under 300 MB at 10 M",
                "met" if worst["rss_kib"] * 1024 < 300e6 else "not met",
                "largest: " + ", ".join(f"{role} {mib(kib)}" for role, kib in by_role.items()),
            ]
        )
    else:
        rows.append(["each worker under 300 MB at 10 M", "not measured", "no 10 M run"])
    # 7. latency at 10 M within 1.5x of 100 k.
    small = sizes.get("100k")
    if big and small and big.get("deref") and small.get("deref"):
        parts, bad = [], []
        for name in ("turtle", "jsonld", "html"):
            if name in big["deref"] and name in small["deref"]:
                r = big["deref"][name]["p50_ms"] / small["deref"][name]["p50_ms"]
                parts.append(f"{FORMAT_LABELS[name]} {ratio(r)}")
                if r > 1.5:
                    bad.append(name)
        rows.append(
            [
                "dereferencing latency (p50) at 10 M within 1.5× of 100 k",
                "met" if not bad else "not met",
                "10 M ÷ 100 k: " + ", ".join(parts),
            ]
        )
    else:
        rows.append(
            [
                "dereferencing latency at 10 M within 1.5× of 100 k",
                "not measured",
                "needs 100 k and 10 M runs",
            ]
        )
    return ["## Targets", "", *table(["target", "verdict", "measured"], rows, "lll"), ""]


def not_measured(results: dict[str, Any]) -> list[str]:
    notes = []
    grouped: dict[tuple[str, str], dict[str, list[str]]] = {}
    for key, size in sizes_of(results):
        skipped = size.get("not_measured", [])
        if skipped:
            rdflib = results["sizes"].get("1m", {}).get("engines", {}).get("rdflib", {})
            measured = ""
            if rdflib:
                measured = (
                    f" (measured at 1 M: {rdflib['ready']['load_seconds']:.0f} s to load, "
                    f"{mib(rdflib.get('rss_kib_after'))} resident)"
                )
            notes.append(
                f"- {' and '.join(LABELS.get(e, e) for e in skipped)} at "
                f"{SIZE_LABELS.get(key, key)}: not run. rdflib holds the whole graph as Python "
                f"objects{measured}: ten times that at 10 M is about 19 GB of this 24 GB "
                "machine, and far more time than the run allows (its slower queries take "
                "2–25 s at 1 M)."
            )
        for engine, data in size.get("engines", {}).items():
            for q in data.get("queries", []):
                if q["cold"]["timeout"] and (q.get("note") or "").startswith("not sent"):
                    reason = "not sent (rdflib in process was over the time limit)"
                elif q["cold"]["timeout"]:
                    reason = "over the time limit: no time measured"
                elif q["cold"]["error"]:
                    reason = "the engine answers an error (¹ under its table)"
                else:
                    continue
                found = grouped.setdefault((LABELS.get(engine, engine), reason), {})
                found.setdefault(q["name"], []).append(SIZE_LABELS.get(key, key))
    for (engine, reason), queries in grouped.items():
        listed = "; ".join(f"`{name}` at {', '.join(at)}" for name, at in queries.items())
        notes.append(f"- {engine}, {reason}: {listed}.")
    for failure in results.get("failures", []):
        notes.append(f"- A failure: {failure}")
    if results.get("interrupted"):
        notes.append(
            "- The run was interrupted: the sizes and engines missing above were not measured."
        )
    for key in ("100k", "1m", "10m"):
        if key not in results.get("sizes", {}):
            notes.append(f"- Nothing at {SIZE_LABELS[key]}: not in this run's `--sizes`.")
    if not notes:
        return []
    return ["## Not measured", "", *notes, ""]


ROW_NOTES = {
    "pioneers-using-ai": "Virtuoso's answer is empty, so its times for this query are for a "
    "wrong answer; its `skos:broader*` path alone gives the expected concepts, the cause in "
    "the whole query was not looked into",
    "label-search": "the union default graph of Oxigraph and Virtuoso gives one solution per "
    "named graph holding a label (an entity named by several sources), rdflib's one per "
    "distinct triple",
    "aggregate": "Virtuoso's union default graph also holds its own system graphs (their "
    "classes are counted too)",
}


def render(results: dict[str, Any], analysis: str | None = None) -> str:
    """The report; ``analysis`` (Markdown written by hand about this run: the reasons
    behind the verdicts) goes right after the Targets table."""
    timeout = results.get("protocol", {}).get("timeout", 60)
    lines = header(results)
    lines += targets(results)
    if analysis:
        first, _, rest = analysis.strip().partition("\n")
        written_for = first.removeprefix("<!-- run:").removesuffix("-->").strip()
        if first.startswith("<!-- run:") and written_for != results.get("date"):
            lines += [
                f"> The analysis below was written for the run of {written_for}, not for this "
                f"run ({results.get('date')}): check it against the figures.",
                "",
            ]
        lines += [(rest if first.startswith("<!-- run:") else analysis).strip(), ""]
    lines += not_measured(results)
    for key, size in sizes_of(results):
        label = SIZE_LABELS.get(key, key)
        lines += [f"## {label} statements ({size.get('organisations')} organisations)", ""]
        lines += ["### Data, build and start", ""]
        lines += data_section(size)
        lines += ["### The query mix", ""]
        lines += mix_section(size, timeout)
        lines += ["### Dereferencing", ""]
        lines += deref_section(size)
        lines += ["### Memory", ""]
        lines += memory_section(size)
        lines += ["### The run", ""]
        lines += phases_section(results, key)
    lines += [
        "² The repeated text was run again rather than answered from the cache: its answer "
        "is over a quarter of `RESULT_CACHE_BYTES`, or the cache did not hold it.",
        "",
    ]
    return "\n".join(lines).rstrip() + "\n"
