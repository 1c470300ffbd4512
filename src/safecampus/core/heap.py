"""Long-running processes — the ASGI server's workers and the ingestor — take their start-up heap
out of the cyclic garbage collector once they have loaded what they keep.

After start-up a Django process holds a few hundred thousand long-lived objects (modules,
models, URL patterns, schemas). Each full (generation 2) collection walks all of them: in the
ingestor that was a 120–200 ms pause, which every alarm queued behind it waited out
(bench/alarms.py at 100 alarms/s). `gc.freeze()` moves what exists now to the permanent
generation, so that later collections walk only what was made since.
"""

import gc

from django.urls import get_resolver


def freeze_after_startup() -> None:
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 — imports every view and API module
    resolver.reverse_dict  # noqa: B018 — and builds what reverse() reads
    gc.collect()  # start-up garbage first: frozen objects are never freed
    gc.freeze()
