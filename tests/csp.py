"""What the Content Security Policy asks of every answer (safecampus/core/csp.py): the header,
without 'unsafe-inline' or 'unsafe-eval', and — on an HTML page — nothing inline that the
policy would block. The scope matrix runs these on every answer of every persona
(tests/matrix/dsl.py); tests/test_csp.py tests them and the templates."""

import re

HEADER = "Content-Security-Policy"
UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'")
# What every page's policy must say (tests/test_csp.py checks the whole header once).
REQUIRED = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "report-uri /csp-report/",
)

# A tag's attributes: values are quoted and escaped (Django escapes < > " ' in them, and
# json_script escapes < > & in its JSON), so a `>` ends the tag.
_TAG = r"<[a-zA-Z][^<>]*?"
INLINE = {
    "an inline <script>": re.compile(
        r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>\s*[^<\s]"
    ),
    "a <style> element": re.compile(r"<style\b", re.IGNORECASE),
    "a style attribute": re.compile(_TAG + r"\sstyle\s*=", re.IGNORECASE),
    "an event handler attribute": re.compile(_TAG + r"\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(
        _TAG + r"""\s(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE
    ),
    # The Alpine CSP build evaluates no code: x-data names a registered component.
    "an inline Alpine component": re.compile(_TAG + r"""\sx-data\s*=\s*["']\s*\{"""),
    "an Alpine x-init": re.compile(_TAG + r"\sx-init\b"),
    "an htmx hx-on": re.compile(_TAG + r"\shx-on\b"),
}


def inline_code(html: str) -> list[str]:
    """What the policy would block in a page, each with the text around it."""
    found = []
    for what, pattern in INLINE.items():
        for match in pattern.finditer(html):
            found.append(f"{what}: {html[match.start() : match.start() + 120]!r}")
    return found


def policy_problems(response) -> list[str]:
    """The header's problems; and, for an HTML page, what it holds inline."""
    policy = response.get(HEADER)
    if policy is None:
        return [f"no {HEADER} header"]
    problems = [f"the policy allows {word}" for word in UNSAFE if word in policy]
    problems += [f"the policy lacks {part!r}" for part in REQUIRED if part not in policy]
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        problems += inline_code(response.content.decode("utf-8", "replace"))
    return problems
