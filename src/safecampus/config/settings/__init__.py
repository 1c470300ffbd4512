"""Settings modules: `base` (the default, configured from the environment), `production`
and `test`. This package imports none of them, so choosing `production` never runs `base`
first on its own."""
