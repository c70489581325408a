"""The nginx configuration of a static export: every URL routed to its file, the
negotiation of formats and languages as the live service does it, and the headers
the live service sends (from what the export recorded in its ``StaticSite``).

``nginx_config(site, listen)`` renders it; export.py writes it as ``nginx.conf``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from werkzeug.datastructures import MIMEAccept

from .app import CORS_EXPOSED, CORS_METHODS
from .negotiation import BY_KEY, ERROR_OFFERS, MediaType, offered
from .security import HEADERS as SECURITY_HEADERS
from .static_site import (
    BROWSE_OFFERS,
    BY_FAMILY,
    CONFIG_FILE,
    FAMILIES,
    LIVE_PREFIXES,
    LIVE_ROUTES,
    NEGOTIATED,
    SLUG,
    SLUG_VARIABLE,
    SUMS,
    ExportError,
    Family,
    StaticSite,
)


def nginx_config(
    site: StaticSite, listen: str, root: Path | None = None, sparql_upstream: str | None = None
) -> str:
    """The nginx configuration serving ``site`` on ``listen`` (from ``root``, default
    the export's folder; /sparql and the other live routes proxied to
    ``sparql_upstream``, else 503)."""
    return _NginxConfig(site, listen, root or site.folder, sparql_upstream).render()


def _quote(value: str) -> str:
    """An nginx string in double quotes (a backslash stays as it is, but before a
    quote: none of the values written here ends with one)."""
    return '"' + value.replace('"', '\\"') + '"'


def _escape(text: str) -> str:
    """``text`` as a literal in a regular expression, readable: ``-`` unescaped."""
    return re.escape(text).replace("\\-", "-")


def _accept_regexes(
    offers: Sequence[str], end: str = r"\s*(?:[;,]|$)"
) -> Iterator[tuple[str, str]]:
    """``(regex, extension)`` for a ``map $http_accept``: the offer whose media type
    (or alias) is listed first in ``Accept``, then the wildcards as Werkzeug matches them.

    Each media type belongs to the first offer that accepts it, as in
    ``negotiation.best``. q-values are not weighed: the first offered type listed
    wins (clients list the type they prefer first).
    """
    owner: dict[str, MediaType] = {}
    for key in offers:
        for accepted in BY_KEY[key].accepts:
            owner.setdefault(accepted, BY_KEY[key])
    every = "|".join(_escape(t) for t in owner)
    skip = rf"(?:(?!\s*(?:{every}){end})[^,]*,)*"
    for key in offers:
        media_type = BY_KEY[key]
        mine = "|".join(_escape(t) for t, m in owner.items() if m == media_type)
        yield rf"~*^{skip}\s*(?:{mine}){end}", media_type.extension
    for wildcard in ("*/*", "text/*", "application/*"):
        match = MIMEAccept([(wildcard, 1)]).best_match(list(owner))
        if match:
            pattern = wildcard.replace("*", "[*]")
            yield rf"~*(?:^|,)\s*{pattern}{end}", owner[match].extension


def _format_regexes(offers: Sequence[str]) -> Iterator[tuple[str, str]]:
    """``(regex, extension)`` for a ``map $arg_format``: the names and media types
    that ``format=`` takes (a ``/`` may come as ``%2F``)."""
    seen: set[str] = set()
    for key in offers:
        media_type = BY_KEY[key]
        words = [
            w for w in dict.fromkeys((*media_type.names, *media_type.accepts)) if w not in seen
        ]
        seen.update(words)
        if words:
            alternatives = "|".join(_escape(w).replace("/", "(?:/|%2[Ff])") for w in words)
            yield rf"~*^\s*(?:{alternatives})\s*$", media_type.extension


def _offers_name(offers: Sequence[str]) -> str:
    """A short name for a set of offers (nginx variable names must stay short): the
    first family offering them, or ``browse``."""
    return next((f.name for f in FAMILIES if f.offers == tuple(offers)), "browse")


def _not_acceptable(offers: Sequence[str]) -> str:
    """nginx's ``return 406`` of a negotiated location, worded as the live one."""
    message = (
        "406 Not Acceptable\\nNothing offered here matches $lod_asked. "
        f"Offered: {offered(offers)}.\\n"
    )
    return f'if ($lod_ext = "") {{\n    return 406 "{message}";\n}}'


class _NginxConfig:
    """Writes nginx.conf for a StaticSite."""

    def __init__(self, site: StaticSite, listen: str, root: Path, upstream: str | None) -> None:
        if not re.fullmatch(r"[\w.:\[\]-]+", listen):
            raise ExportError(f"not an nginx listen address: {listen!r}")
        self.site = site
        self.listen = listen
        self.root = root
        self.upstream = upstream
        self.default_language = site.languages[0]
        self.lines: list[str] = []

    def add(self, text: str, indent: int = 1) -> None:
        for line in text.splitlines():
            self.lines.append(("    " * indent + line) if line else "")

    def render(self) -> str:
        live = (
            f"proxied to {self.upstream}"
            if self.upstream
            else "no upstream is configured, so they answer 503"
        )
        self.lines = []
        self.add(
            f"""\
# nginx configuration for the static export of healthtech-lod served at
# {self.site.base_url}/, written by `healthtech-lod export-static`.
#
# Every file under the root holds what the live service answers; this configuration
# serves them the way it does: /id/ answers 303 See Other to /doc/; documents come as
# Turtle, JSON-LD, N-Triples, RDF/XML, TriG or HTML by Accept (or ?format=, or an
# extension); pages in the language of ?lang= or Accept-Language; with Vary, Link,
# Content-Location, Cache-Control, ETag, Last-Modified, gzip, CORS and the live
# service's security headers. Unlike the live service, Accept's q-values are not
# weighed: the first offered type listed wins.
#
# Run it with its pid, logs and temporary files in RUN/ (a folder that must exist):
#   nginx -p RUN/ -c {self.root / CONFIG_FILE}
# Only the SPARQL endpoint (with search, the graph store and /health) needs the live
# service: {live}.

worker_processes auto;
pid nginx.pid;
error_log error.log warn;

events {{
    worker_connections 1024;
}}

http {{""",
            0,
        )
        self.add(
            "access_log access.log;\n"
            "client_body_temp_path client_body_temp;\n"
            "proxy_temp_path proxy_temp;\n"
            "fastcgi_temp_path fastcgi_temp;\n"
            "uwsgi_temp_path uwsgi_temp;\n"
            "scgi_temp_path scgi_temp;\n"
            "sendfile on;\n"
            "server_tokens off;\n"
            "etag on;"
        )
        self._types()
        self._language_maps()
        self._negotiation_maps()
        self._header_maps()
        self._server()
        self.add("}", 0)
        return "\n".join(self.lines) + "\n"

    # http level

    def _types(self) -> None:
        site = self.site
        observed = [*site.types.values(), *site.download_types.values()]
        bare = {ext: t.split(";")[0].strip() for ext, t in site.types.items()}
        self.add("\n# The Content-Types the live service sends, by extension.\ntypes {")
        for ext, media in sorted(bare.items()):
            self.add(f"{media} {ext};", 2)
        self.add("}\ndefault_type application/octet-stream;")
        # text/html is always in charset_types and gzip_types.
        charset = sorted(
            {t.split(";")[0].strip() for t in observed if "charset=utf-8" in t.lower()}
            - {"text/html"}
        )
        self.add(f"charset utf-8;\ncharset_types {' '.join(charset)};")
        compressible = sorted(
            {t.split(";")[0].strip() for t in observed} - {"application/gzip", "text/html"}
        )
        self.add(
            "\n# Text is compressed on the fly (the .gz downloads are already).\n"
            "gzip on;\ngzip_vary on;\ngzip_proxied any;\ngzip_comp_level 5;\n"
            f"gzip_min_length 256;\ngzip_types {' '.join(compressible)};"
        )

    def _language_maps(self) -> None:
        languages = self.site.languages
        default = self.default_language
        end = r"(?:[-;,\s]|$)"
        every = "|".join(_escape(lang) for lang in languages)
        skip = rf"(?:(?!\s*(?:{every}){end})[^,]*,)*"
        self.add(
            "\n# The page's language: ?lang= if it is offered, else the first offered one"
            " of Accept-Language.\n"
            'map $arg_lang $lod_lang_arg {\n    default "";'
        )
        for lang in languages:
            self.add(f"{lang} {lang};", 2)
        self.add(f"}}\nmap $http_accept_language $lod_lang_accept {{\n    default {default};")
        for lang in languages:
            regex = rf"~*^{skip}\s*{_escape(lang)}{end}"
            self.add(f"{_quote(regex)} {lang};", 2)
        self.add(
            '}\nmap $lod_lang_arg $lod_lang {\n    "" $lod_lang_accept;\n'
            "    default $lod_lang_arg;\n}\n"
            "# Pages whose language was negotiated vary by Accept-Language too.\n"
            'map "$lod_ext:$lod_lang_arg" $lod_vary {\n'
            '    "html:" "Accept, Accept-Language";\n    default Accept;\n}\n'
            'map $lod_lang_arg $lod_vary_language {\n    "" Accept-Language;\n    default "";\n}'
        )
        self.add(
            "\n# The file answering: $lod_stem.{ext} for data, $lod_html[.{lang}].{html,json}"
            " for pages.\n"
            'map "$lod_ext:$lod_lang" $lod_file {'
        )
        for lang in languages:
            suffix = "" if lang == default else f".{lang}"
            self.add(f'"html:{lang}" "$lod_html{suffix}.html";', 2)
        self.add('"~^json:" "$lod_html.json";\n"~^(?<lod_e>[a-z]+):" "$lod_stem.$lod_e";', 2)
        self.add("}")
        self.add(
            "# /browse/{class}?page=N\n"
            'map $arg_page $lod_page {\n    "" "";\n    1 "";\n'
            '    "~^(?<lod_n>[1-9][0-9]{0,8})$" ".page-$lod_n";\n    default ".none";\n}'
        )

    def _negotiation_maps(self) -> None:
        self.add(
            "\n# What a 406 names: format= if given, else Accept.\n"
            'map $arg_format $lod_asked {\n    "" "Accept: $http_accept";\n'
            '    default "format=$arg_format";\n}'
        )
        offer_sets = dict.fromkeys([*(f.offers for f in FAMILIES), BROWSE_OFFERS])
        for offers in offer_sets:
            name = _offers_name(offers)
            self.add(
                f"\n# Offers {', '.join(offers)}: by Accept, unless ?format= names one.\n"
                f'map $http_accept $lod_accept_{name} {{\n    default "";\n'
                f'    "" {BY_KEY[offers[0]].extension};'
            )
            for regex, ext in _accept_regexes(offers):
                self.add(f"{_quote(regex)} {ext};", 2)
            self.add(f'}}\nmap $arg_format $lod_ext_{name} {{\n    default "";')
            self.add(f'"" $lod_accept_{name};', 2)
            for regex, ext in _format_regexes(offers):
                self.add(f"{_quote(regex)} {ext};", 2)
            self.add("}")
        text = BY_KEY["text"].extension
        self.add(
            "\n# The format of a 404: the one the location negotiated, as errors.handle does,"
            "\n# else the best of negotiation.ERROR_OFFERS for Accept, else plain text.\n"
            f"map $http_accept $lod_error_accept {{\n    default {text};"
        )
        for regex, ext in _accept_regexes(ERROR_OFFERS):
            self.add(f"{_quote(regex)} {ext};", 2)
        self.add('}\nmap $lod_ext $lod_error_ext {\n    "" $lod_error_accept;')
        shapes = {BY_KEY[k].extension: k for k in ERROR_OFFERS}
        for media_type in BY_KEY.values():
            ext = media_type.extension
            if ext in shapes or media_type.errors == "text":
                self.add(f"{ext} {ext if ext in shapes else text};", 2)
        self.add("    default $lod_error_accept;\n}", 0)
        self.add('map "$lod_error_ext:$lod_lang" $lod_error_file {')
        for lang in self.site.languages:
            suffix = "" if lang == self.default_language else f".{lang}"
            self.add(f'"html:{lang}" "/_errors/404{suffix}.html";', 2)
        self.add(
            '    "~^(?<lod_ee>[a-z]+):" "/_errors/404.$lod_ee";\n}\n'
            'map "$lod_error_ext:$lod_lang_arg" $lod_error_vary {\n'
            '    "html:" "Accept, Accept-Language";\n    default Accept;\n}',
            1,
        )

    def _header_maps(self) -> None:
        self.add("\n# Link and Content-Location of each variant, as the live service sends them.")
        for family in FAMILIES:
            for header, table in (("link", self.site.links), ("location", self.site.locations)):
                self.add(f'map $lod_ext $lod_{header}_{family.name} {{\n    default "";')
                for media_type in family.media_types:
                    ext = media_type.extension
                    self.add(f"{ext} {_quote(table.get((family.name, ext), ''))};", 2)
                self.add("}")
        self.add(
            "map $http_access_control_request_headers $lod_preflight_headers {\n"
            '    "" "Accept, Content-Type";\n    default $http_access_control_request_headers;\n}'
        )

    # the server

    def _common(self, indent: int = 2) -> None:
        """CORS and the security headers, on every response."""
        self.add("add_header Access-Control-Allow-Origin * always;", indent)
        self.add(f"add_header Access-Control-Expose-Headers {_quote(CORS_EXPOSED)} always;", indent)
        for name, value in SECURITY_HEADERS.items():
            self.add(f"add_header {name} {_quote(value)} always;", indent)

    def _cache(self, indent: int = 3, value: str | None = None) -> None:
        value = value or f"public, max-age={self.site.cache_max_age}"
        self.add(f"add_header Cache-Control {_quote(value)};", indent)

    def _server(self) -> None:
        self.add(f"\nserver {{\n    listen {self.listen};\n    server_name _;")
        self.add(f"root {_quote(str(self.root))};\nerror_page 404 @not_found;", 2)
        self.add("\n# Answers written before a location is chosen: the CORS preflight.", 2)
        self._common()
        self.add(
            f"add_header Access-Control-Allow-Methods {_quote(CORS_METHODS)} always;\n"
            "add_header Access-Control-Allow-Headers $lod_preflight_headers always;\n"
            "add_header Access-Control-Max-Age 86400 always;\n"
            "if ($request_method = OPTIONS) {\n    return 204;\n}\n"
            "\n# Nothing is served but what a location below names.\n"
            "location / {\n    return 404;\n}\nlocation @not_found {",
            2,
        )
        self._common(3)
        self.add("add_header Vary $lod_error_vary always;\ntry_files $lod_error_file =404;", 3)
        self.add("}", 2)
        self._identifiers()
        for family in FAMILIES:
            self._family(family)
        self._home()
        self._files()
        self._browse()
        self._live()
        self.add("}")

    def _identifiers(self) -> None:
        base = self.site.base_url
        self.add(
            "\n# Things: 303 See Other to their document, 404 for what nothing describes.\n"
            "location = /id/dataset {",
            2,
        )
        self._common(3)
        self.add(f"add_header Vary Accept always;\nreturn 303 {base}/dataset;", 3)
        self.add("}", 2)
        for prefix in ("source/", ""):
            self.add(f"location ~ {_quote(f'^/id/{prefix}(?<lod_slug>{SLUG})$')} {{", 2)
            self._common(3)
            self.add(
                "add_header Vary Accept always;\n"
                f"if (!-f $document_root/doc/{prefix}$lod_slug.ttl) {{\n    return 404;\n}}\n"
                f"return 303 {base}/doc/{prefix}$lod_slug;",
                3,
            )
            self.add("}", 2)

    def _negotiated(
        self, match: str, family: Family, ext: str | None, stem: str, html: str
    ) -> None:
        """A location serving a family's variants: negotiated (``ext`` None) or the one
        an extension names (a regex capture)."""
        self.add(f"location {match} {{", 2)
        self._common(3)
        self._cache()
        self.add(
            f"add_header Vary $lod_vary always;\n"
            f"add_header Content-Location $lod_location_{family.name};\n"
            f"add_header Link $lod_link_{family.name};\n"
            f"set $lod_ext {ext or '$lod_ext_' + _offers_name(family.offers)};\n"
            f"set $lod_stem {stem};\nset $lod_html {html};\ndefault_type text/plain;",
            3,
        )
        if ext is None:
            self.add(_not_acceptable(family.offers), 3)
        self.add("try_files $lod_file =404;", 3)
        self.add("}", 2)

    def _family(self, family: Family) -> None:
        extensions = "|".join(m.extension for m in family.media_types)
        path = family.path
        if family.templated:
            prefix = _escape(path.replace(SLUG_VARIABLE, ""))
            exact = "~ " + _quote(f"^{prefix}(?<lod_slug>{SLUG})$")
            by_extension = "~ " + _quote(rf"^{prefix}(?<lod_slug>{SLUG})\.(?<lod_x>{extensions})$")
        else:
            exact = f"= {path}"
            by_extension = "~ " + _quote(rf"^{_escape(path)}\.(?<lod_x>{extensions})$")
        self.add(f"\n# {path}, {path}.{{{extensions.replace('|', ',')}}}", 2)
        self._negotiated(exact, family, None, path, f"{path}.{NEGOTIATED}")
        self._negotiated(by_extension, family, "$lod_x", path, path)

    def _home(self) -> None:
        dataset = BY_FAMILY["dataset"]
        self.add("\n# The home page, and the description at VoID's well-known address.", 2)
        self._negotiated("= /", dataset, None, "/dataset", "/index")
        self._negotiated(
            "= /.well-known/void", dataset, None, "/dataset", f"/.well-known/void.{NEGOTIATED}"
        )

    def _files(self) -> None:
        site = self.site
        license_link = _quote(f'<{site.license}>; rel="license"')
        self.add("\n# The JSON-LD context, robots.txt, sitemaps, style sheet, downloads.", 2)
        self.add("location = /context.jsonld {", 2)
        self._common(3)
        self._cache()
        self.add(f"add_header Link {license_link};", 3)
        self.add("}\nlocation = /robots.txt {", 2)
        self._common(3)
        self._cache()
        self.add(f"add_header Link {license_link};", 3)
        self.add("}\nlocation ~ " + _quote(r"^/sitemap(?:-[0-9]+)?\.xml$") + " {", 2)
        self._common(3)
        self._cache()
        self.add(f"add_header Link {license_link};", 3)
        self.add("}\nlocation ^~ /static/ {", 2)
        self._common(3)
        self._cache(value="no-cache")
        self.add("}\nlocation = /download/ {", 2)
        self._common(3)
        self.add(
            "add_header Vary $lod_vary_language always;\n"
            "set $lod_ext html;\nset $lod_html /download/index;\ntry_files $lod_file =404;",
            3,
        )
        self.add("}", 2)
        names = "|".join(_escape(n) for n in site.downloads if n != SUMS)
        sums = site.download_types.get(SUMS, "text/plain").split(";")[0].strip()
        for match, extra in (
            ("~ " + _quote(f"^/download/(?:{names})$"), ""),
            (f"= /download/{SUMS}", f"types {{ }}\ndefault_type {sums};"),
        ):
            self.add(f"location {match} {{", 2)
            self._common(3)
            self._cache()
            self.add(f"add_header Link {license_link};", 3)
            if extra:
                self.add(extra, 3)
            self.add("}", 2)

    def _browse(self) -> None:
        name = _offers_name(BROWSE_OFFERS)
        self.add("\n# Browse: the classes, and the entities of each a page at a time.", 2)
        for match, stem in (
            ("= /browse", "/browse"),
            ("~ " + _quote(r"^/browse/(?<lod_class>[^/.]+)$"), "/browse/$lod_class$lod_page"),
        ):
            self.add(f"location {match} {{", 2)
            self._common(3)
            self.add(
                "add_header Vary $lod_vary always;\n"
                f"set $lod_ext $lod_ext_{name};\nset $lod_html {stem};\ndefault_type text/plain;",
                3,
            )
            self.add(_not_acceptable(BROWSE_OFFERS), 3)
            self.add("try_files $lod_file =404;", 3)
            self.add("}", 2)

    def _live(self) -> None:
        self.add(
            "\n# The only routes that need the live service (its SPARQL engine and name index).",
            2,
        )
        matches = [f"= {route}" for route in LIVE_ROUTES]
        matches += [f"^~ {prefix}" for prefix in LIVE_PREFIXES]
        for match in matches:
            self.add(f"location {match} {{", 2)
            self._common(3)
            if self.upstream:
                # The upstream writes these headers too: keep one copy, ours.
                for header in ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers"):
                    self.add(f"proxy_hide_header {header};", 3)
                for header in SECURITY_HEADERS:
                    self.add(f"proxy_hide_header {header};", 3)
                self.add(
                    f"proxy_pass {self.upstream};\n"
                    "proxy_http_version 1.1;\n"
                    "proxy_set_header Host $http_host;\n"
                    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                    "proxy_set_header X-Forwarded-Proto $scheme;\n"
                    "proxy_set_header X-Forwarded-Host $http_host;\n"
                    "proxy_read_timeout 120s;",
                    3,
                )
            else:
                message = (
                    "503 Service Unavailable\\nThis server holds a static export of the "
                    "dataset: $uri needs the live service (healthtech-lod serve), and none "
                    "is configured here. The whole dataset is at /download/.\\n"
                )
                self.add(f'default_type text/plain;\nreturn 503 "{message}";', 3)
            self.add("}", 2)
